"""lesson_lib: the small, fast JAX library behind the lessons on how neural networks learn.

The math modules (`data`, `nets`, `train`, `landscapes`, `curves`, ...)
import only JAX, NumPy and optax, so they work in a plain script or a GPU job.
`plots` adds matplotlib and `playground` adds ipywidgets; import them only
where you draw. Importing this package changes no global state.
"""

__version__ = "0.1.0"
