"""The machinery every playground shares: backend set-up, sliders, error display, blitting."""

import os
import traceback

import ipywidgets as widgets
import jax
from IPython.display import display

from lesson_lib.plots import Blitter


def _in_colab() -> bool:
    try:
        import google.colab  # noqa: F401
    except ImportError:
        return False
    return True


def _in_kernel() -> bool:
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def setup_notebook(cache_dir: str | None = None) -> str:
    """Prepare a lesson notebook: live plots and a persistent JAX compilation cache.

    Uses ipympl (`%matplotlib widget`) so figures update in place; on Colab it
    first enables the custom widget manager ipympl needs, and where ipympl is
    unavailable it falls back to the inline backend (playgrounds then redraw
    whole images). Call it once at the top of a notebook. Returns the backend
    in use: "ipympl" or "inline".
    """
    cache_dir = cache_dir or os.path.join(os.path.expanduser("~"), ".cache", "lesson_lib", "jax")
    jax.config.update("jax_compilation_cache_dir", cache_dir)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return "inline"
    if _in_colab():
        try:
            from google.colab import output

            output.enable_custom_widget_manager()
        except Exception:  # an old Colab: stay inline
            shell.run_line_magic("matplotlib", "inline")
            return "inline"
    try:
        import ipympl  # noqa: F401
    except ImportError:
        shell.run_line_magic("matplotlib", "inline")
        return "inline"
    shell.run_line_magic("matplotlib", "widget")
    return "ipympl"


def log_slider(description: str, value: float, low: float, high: float, **kwargs):
    """A slider on a log scale (learning rates), from `low` to `high` (powers of 10)."""
    import math

    return widgets.FloatLogSlider(
        value=value, base=10, min=math.log10(low), max=math.log10(high),
        step=kwargs.pop("step", 0.01), description=description, readout_format=".2e",
        continuous_update=True, style={"description_width": "initial"}, **kwargs,
    )


def float_slider(description: str, value: float, low: float, high: float, step: float, **kwargs):
    """A linear float slider with the lessons' defaults."""
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        continuous_update=True, style={"description_width": "initial"}, **kwargs,
    )


def int_slider(description: str, value: int, low: int, high: int, **kwargs):
    """An integer slider with the lessons' defaults."""
    return widgets.IntSlider(
        value=value, min=low, max=high, description=description, continuous_update=True,
        style={"description_width": "initial"}, **kwargs,
    )


class Playground:
    """Controls driving a figure: subclass it and implement `draw(**values)`.

    A subclass builds its figure (inside `plt.ioff()`, static parts drawn once,
    moving parts kept as artists), then calls
    `super().__init__(fig, controls, artists)`. On every control change the base
    calls `draw` with all control values, then blits the `artists`. Errors in
    `draw` are shown under the plot and kept in `last_error`; `status` is a
    text line a subclass may fill ("diverged at step 53").

    Attributes:
      controls: dict of name -> widget; `draw` receives `name=value` for each.
      status: an ipywidgets `Label` shown under the controls.
      errors: an `Output` widget that shows the traceback of a failed update.
    """

    def __init__(self, fig, controls: dict, artists=()):
        self.fig = fig
        self.controls = dict(controls)
        self.status = widgets.Label()
        self.errors = widgets.Output()
        self.last_error = None
        self.blitter = Blitter(fig.canvas, artists)
        self._live = isinstance(fig.canvas, widgets.DOMWidget)
        # Inline fallback in a kernel: re-display whole images. Headless (tests,
        # benchmarks): render into the Agg buffer only.
        self._image = widgets.Output() if not self._live and _in_kernel() else None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def draw(self, **values):
        """Update the moving artists (and `self.status`) for these control values."""
        raise NotImplementedError

    def _on_change(self, change):
        self.refresh()

    def refresh(self):
        """Recompute and redraw for the current control values; show errors, never raise."""
        try:
            self.draw(**self.values)
            self._show()
        except Exception as error:  # shown to the learner, not swallowed
            self.last_error = error
            self.errors.outputs = ()
            self.errors.append_stderr(
                f"This update failed: {type(error).__name__}: {error}\n\n"
                + traceback.format_exc()
            )
        else:
            if self.last_error is not None:
                self.errors.outputs = ()
            self.last_error = None

    def redraw(self):
        """A full redraw, for when something outside the blitted artists changed (axis limits)."""
        self.blitter.background = None
        self._show()

    def _show(self):
        if self._image is None:
            self.blitter.update()
        else:
            with self._image:
                self._image.clear_output(wait=True)
                display(self.fig)

    def control_rows(self) -> list:
        """The rows of widgets above the status line; override to arrange the controls."""
        return [widgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"})]

    @property
    def widget(self):
        """The whole playground as one widget: control rows, status, plot, errors."""
        view = self.fig.canvas if self._live else self._image  # no view when headless
        parts = [*self.control_rows(), self.status, view, self.errors]
        return widgets.VBox([part for part in parts if part is not None])

    def _ipython_display_(self):
        display(self.widget)

    def __repr__(self):
        values = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({values})"
