"""The machinery every playground shares: backend set-up, sliders, error display, the live canvas."""

import base64
import os
import traceback

import ipywidgets as widgets
import jax

from lesson_lib.playground.canvas import LiveCanvas

__all__ = ["setup_notebook", "log_slider", "float_slider", "int_slider", "Playground"]


def _in_colab() -> bool:
    try:
        import google.colab  # noqa: F401
    except ImportError:
        return False
    return True


def setup_notebook(cache_dir: str | None = None) -> str:
    """Prepare a lesson notebook: live plots and a persistent JAX compilation cache.

    Static figures use ipympl (`%matplotlib widget`); on Colab it first enables
    the custom widget manager ipympl needs, and where ipympl is unavailable it
    falls back to the inline backend. Playgrounds draw on their own canvas
    (`LiveCanvas`, an anywidget) either way. Call it once at the top of a
    notebook. Returns the backend in use: "ipympl" or "inline".

    The compilation cache lives in `cache_dir`, else `$LESSON_LIB_JAX_CACHE`,
    else `~/.cache/lesson_lib/jax`: a second opening of a lesson compiles
    nothing. This is the only global setting it changes, and only when called.
    """
    cache_dir = cache_dir or os.environ.get("LESSON_LIB_JAX_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "lesson_lib", "jax")
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
    calls `draw` with all control values, then shows the `artists` in the
    browser (`LiveCanvas`: only they travel, over a background rendered once).
    Errors in `draw` are shown under the plot and kept in `last_error`;
    `status` is a text line a subclass may fill ("diverged at step 53").

    Displayed where no kernel runs (GitHub, nbviewer, an HTML export), a
    playground shows a picture of its initial figure and a one-line
    description instead of the widget.

    Attributes:
      controls: dict of name -> widget; `draw` receives `name=value` for each.
      status: an ipywidgets `Label` shown under the controls.
      errors: an `Output` widget that shows the traceback of a failed update.
      canvas: the `LiveCanvas` showing the figure.
    """

    def __init__(self, fig, controls: dict, artists=()):
        self.fig = fig
        self.controls = dict(controls)
        self.status = widgets.Label()
        self.errors = widgets.Output()
        self.last_error = None
        self.canvas = LiveCanvas(fig, artists)
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
        """A full redraw, for when something outside the moving artists changed (axis limits)."""
        self.canvas.invalidate()
        self._show()

    def _show(self):
        self.canvas.update()

    def control_rows(self) -> list:
        """The rows of widgets above the status line; override to arrange the controls."""
        return [widgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"})]

    @property
    def widget(self):
        """The whole playground as one widget: control rows, status, plot, errors."""
        return widgets.VBox([*self.control_rows(), self.status, self.canvas, self.errors])

    @property
    def description(self) -> str:
        """One line saying what the playground is, for readers without a kernel."""
        summary = (type(self).__doc__ or type(self).__name__).strip().splitlines()[0].rstrip(".")
        return f"{summary}. (Run the notebook to use its controls.)"

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget for a live kernel, and a picture plus a line of text for everyone else."""
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle)
        bundle["image/png"] = base64.b64encode(self.canvas.png()).decode("ascii")
        bundle["text/plain"] = self.description
        return bundle

    def __repr__(self):
        values = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({values})"
