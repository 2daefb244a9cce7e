"""The machinery every playground shares: the figure, sliders, one update loop, one error display.

Writing a playground
--------------------
A playground is a figure whose moving artists follow a few controls. Subclass
`Playground` and give it three things:

1. **The figure** (in `__init__`): call `super().__init__(controls, figsize=...)`
   first; it builds `self.fig`, a matplotlib `Figure` on an Agg canvas made
   without pyplot (so no ipympl widget is created and closed). Add axes with
   `self.fig.subplots(...)`, style them with the lessons' helpers in
   `lesson_lib.plots` (`loss_axes`, `draw_landscape`, ...), draw the static
   parts once, and register what moves with `self.moving(artist, ...)`
   (lines, markers, collections, text; they are left out of the background).
   A figure built by a `lesson_lib.plots` helper is passed as `fig=...`
   instead. Nothing is drawn before the constructor returns, so the
   statements may come in any order around `super().__init__`.
   Randomness: take a keyword-only `key` (`two_keys(key)` splits one for
   two random parts); bad arguments raise a ValueError naming them
   (`lesson_lib._checks`).
2. **`compute(**values)`**, pure: control values in, a result out (a
   trajectory, a table). It receives only the controls its signature names
   (or all of them, with `**values`), and the base caches its results by
   those values, so moving a control it does not read (a Play control that
   scrubs along a trajectory) recomputes nothing (`cache_size` results kept).
   Keep it pure and cheap to call again: a jitted function whose slider
   values are traced arguments (`float(v)`, `int(v)`), so no move recompiles.
3. **`draw(result, **values)`**: put the result into the moving artists
   (`line.set_data(...)`) and return the status line ("diverged at step
   53"), or None to leave it. A playground without a `compute` step gets
   `draw(**values)` alone.

The base does the rest: it calls `compute` then `draw` whenever a control
changes (the first time after the constructor has finished, so the order of
the statements in `__init__` is free); shows the moving artists in the browser
(`LiveCanvas`: only they travel, over a background rendered once); shows any
exception of an update under the plot, in `errors`, and keeps it in
`last_error` (the next good update clears it); ignores re-entrant updates.

Prefetching: after each update shown in a browser, while the kernel is idle,
the base draws the frames one slider step (an arrow key) and five steps (a
page key) away, and the next few values of the slider in hand at the pace it
last moved (a drag), and sends them ahead (`LiveCanvas.send_prefetched`); the
browser paints such a frame the moment the slider reaches its value, without
waiting for the kernel, whose own frame follows. The moving artists, the
status line and `compute`'s cache are left as they were. This needs `compute`
and `draw` to depend on the control values only (plus state that a click or a
button changes: any frame not caused by a slider makes the browser forget the
frames sent ahead) and `changed` not to react to a slider; a playground that
breaks this sets `prefetch = False`. A neighbour whose `draw` calls
`invalidate` (a new background) is not sent ahead. Drawing ahead stops after
`prefetch_budget_s` of kernel time per move, and is skipped after an update
slower than `prefetch_slowest_s` (a training run per move: a move arriving
meanwhile would wait for one more). Once the neighbours are sent, the kernel,
still idle, goes on along the rest of the sliders' grids (the slider in hand
first, nearest values first) for `prefetch_fill_s` more: a drag is then
painted from frames the browser holds, at the browser's pace. Any move cancels
the drawing ahead of the move before, so a message waits for one frame at most.

Optional hooks and tools:
  `changed(name, value)`: called when control `name` changes, before the
    update (e.g. a new scheme resets the gain with `self.set(gain=...)`, or a
    new landscape redraws the contours and calls `invalidate()`). Controls it
    sets cause no update of their own: there is one update after it.
  `set(**values)` / `with self.hold():` several control changes, one update.
  `invalidate()`: the static part changed (axis limits, contours): the next
    frame re-renders the whole figure.
  `action(fn)`: a button callback running `fn()` under the same error display.
  `clicked(ax, x, y)`: a click on the figure in data coordinates (`ax` is the
    axes clicked); the base calls it, then updates.
  `control_rows()`: arrange the controls (default: one wrapping row).
  `show()`: send the moving artists now (after changing them outside `draw`).
  `clear_cache()`: forget `compute`'s results (after changing its inputs).
  `description`: the line shown without a kernel (default: the class
    docstring's first line), beside a picture of the first state.

Testing one: set `pg.controls[name].value` (observers run at once in the
kernel) or `pg.set(...)`, then check `pg.status.value`, the artists' data and
`pg.last_error`; wrap the moves in `lesson_lib.compilation.count_compilations`
to prove nothing recompiles; a click is
`pg.canvas._on_message(pg.canvas, {"type": "click", "x": px, "y": py}, [])`
with figure pixels from the top left.

Example (a complete playground):
  >>> import numpy as np
  >>> class Parabola(Playground):
  ...     '''Drag a and watch y = a x².'''
  ...     def __init__(self):
  ...         super().__init__({"a": float_slider("a", 1.0, -2.0, 2.0, 0.1)}, figsize=(4, 3))
  ...         ax = self.fig.subplots()
  ...         ax.set(xlim=(-1, 1), ylim=(-2, 2), xlabel="x", ylabel="y")
  ...         self.line = self.moving(*ax.plot([], []))
  ...     def compute(self, a):
  ...         x = np.linspace(-1, 1, 41)
  ...         return x, a * x**2
  ...     def draw(self, curve, a):
  ...         self.line.set_data(*curve)
  ...         return f"a = {a:.1f}: y(1) = {curve[1][-1]:.1f}"
  >>> pg = Parabola()
  >>> pg.set(a=-0.5)
  >>> pg.status.value
  'a = -0.5: y(1) = -0.5'
"""

import asyncio
import base64
import contextlib
import inspect
import itertools
import math
import os
import time
import traceback
import warnings
from collections import OrderedDict

import ipywidgets as widgets
import jax
import jax.numpy
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lesson_lib import _checks
from lesson_lib.playground.canvas import LiveCanvas, option_values

__all__ = ["setup_notebook", "log_slider", "float_slider", "int_slider", "dropdown", "figure", "two_keys",
           "Playground", "MAX_WIDTH"]

MAX_WIDTH = 7.4
"""The widest figure, in inches: fits a 760-px output area (a laptop's window) at 100 dpi."""


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
    nothing. A cache the student cannot write to (a hub's shared, read-only
    copy) is still read; JAX's warning for each program it cannot add
    ("Error writing persistent compilation cache entry") is then silenced.
    These are the only global settings it changes, and only when called.
    """
    cache_dir = cache_dir or os.environ.get("LESSON_LIB_JAX_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "lesson_lib", "jax")
    jax.config.update("jax_compilation_cache_dir", cache_dir)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    if os.path.isdir(cache_dir) and not os.access(cache_dir, os.W_OK):
        warnings.filterwarnings("ignore", message="Error writing persistent compilation cache entry")
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
        step=kwargs.pop("step", 0.01), description=description,
        readout_format=kwargs.pop("readout_format", ".2e"),
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


def dropdown(description: str, options, value=None, **kwargs):
    """A dropdown of `options` (the first one selected unless `value` is given)."""
    options = list(options)
    return widgets.Dropdown(options=options, value=options[0] if value is None else value,
                            description=description, **kwargs)


def figure(figsize=(MAX_WIDTH, 3.5), *, layout="constrained", **kwargs) -> Figure:
    """A matplotlib `Figure` on an Agg canvas, made without pyplot (no ipympl widget, nothing to close).

    Args:
      figsize: (width, height) in inches; the width at most `MAX_WIDTH`.
      layout: matplotlib's layout engine ("constrained", or None for fixed margins).
      **kwargs: passed to `Figure` (dpi, ...).

    Example:
      >>> fig = figure((4, 3))
      >>> type(fig.canvas).__name__, float(fig.get_figwidth())
      ('FigureCanvasAgg', 4.0)
    """
    width, height = (float(v) for v in figsize)
    if not 0 < width <= MAX_WIDTH or not height > 0:
        raise ValueError(f"figsize must be (width, height) in inches with 0 < width <= {MAX_WIDTH} "
                         f"and height > 0, got {figsize!r}")
    fig = Figure(figsize=(width, height), layout=layout, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def two_keys(key=None) -> tuple:
    """Two `jax.random` keys for a playground's two random parts (e.g. its data and its batches).

    Without `key`, the lessons' pair `(key(0), key(1))`; with one, `jax.random.split(key)`.
    Anything but a `jax.random.key(...)` is refused with a ValueError naming `key`.

    Example:
      >>> first, second = two_keys()
      >>> bool((jax.random.key_data(second) == jax.random.key_data(jax.random.key(1))).all())
      True
    """
    if key is None:
        return jax.random.key(0), jax.random.key(1)
    if not (isinstance(key, jax.Array) and jax.numpy.issubdtype(key.dtype, jax.dtypes.prng_key)):
        raise ValueError(f"key must be a jax.random.key(...), got {key!r}")
    first, second = jax.random.split(key)
    return first, second


_SLIDERS = (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider, widgets.Play,
            widgets.SelectionSlider)
"""Controls on a grid of steps, whose neighbouring values are drawn ahead (a Play scrubs a slider;
a selection slider's grid is its options)."""


def _on_grid(control, value) -> float:
    """`value` on the scale of slider `control`'s grid: its exponent for a log slider."""
    return math.log(value, control.base) if isinstance(control, widgets.FloatLogSlider) else float(value)


def slider_step(control, steps: int):
    """The value `steps` steps from `control`'s value on its grid, as the browser sets it; None past its ends.

    The grid is `min + k·step` (for a log slider, of the exponent: `base^(min + k·step)`; for a
    selection slider, its options).

    Example:
      >>> slider_step(widgets.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.1), 5)
      0.8
      >>> slider_step(widgets.FloatLogSlider(value=0.01, min=-4, max=0, step=0.5), -2) == 10 ** -3
      True
      >>> slider_step(widgets.IntSlider(value=9, min=0, max=10), 2) is None
      True
      >>> slider_step(widgets.SelectionSlider(options=[1, 2, 5, 10], value=2), 2)
      10
    """
    if isinstance(control, widgets.SelectionSlider):
        k, options = control.index + int(steps), option_values(control)
        return options[k] if 0 <= k < len(options) else None
    low, high, step = control.min, control.max, control.step
    if not step:
        return None
    k = round((_on_grid(control, control.value) - low) / step) + int(steps)
    position = low + k * step
    if position < low - 1e-9 * step or position > high + 1e-9 * step:
        return None
    if isinstance(control, widgets.FloatLogSlider):
        return float(control.base ** position)
    if isinstance(control, (widgets.IntSlider, widgets.Play)):
        return int(position)
    return float(round(position, 12))


def grid_steps(control, old, new):
    """How many steps of its grid slider `control` moved from `old` to `new` (signed); None for other controls.

    Example:
      >>> grid_steps(widgets.FloatSlider(min=0.0, max=1.0, step=0.1), 0.5, 0.2)
      -3
      >>> grid_steps(widgets.FloatLogSlider(min=-4, max=0, step=0.5), 0.001, 0.01)
      2
      >>> grid_steps(widgets.SelectionSlider(options=[1, 2, 5, 10]), 10, 2)
      -2
      >>> grid_steps(widgets.Dropdown(options=["a", "b"]), "a", "b") is None
      True
    """
    if isinstance(control, widgets.SelectionSlider):
        options = option_values(control)
        return options.index(new) - options.index(old) if old in options and new in options else None
    if not isinstance(control, _SLIDERS) or not control.step:
        return None
    try:
        return round((_on_grid(control, new) - _on_grid(control, old)) / control.step)
    except (TypeError, ValueError):  # not numbers, or a log slider at zero
        return None


class _DrawsAfterInit(type):
    """Start a playground (first compute and draw) once its whole constructor chain has run."""

    def __call__(cls, *args, **kwargs):
        self = super().__call__(*args, **kwargs)
        if "canvas" not in self.__dict__:
            raise TypeError(f"{cls.__name__}.__init__ must call Playground.__init__")
        self._ready = True
        # Moves of the controls then travel to the kernel straight from the page (see LiveCanvas.link).
        self.canvas.link(*self.controls.values())
        self.refresh()
        return self


class Playground(metaclass=_DrawsAfterInit):
    """Controls driving a figure; see this module's docstring for how to write one.

    Args:
      controls: dict of name -> widget (more can be added with `add_controls`).
      artists: moving artists (more with `moving`).
      fig: a figure built elsewhere (e.g. by a `lesson_lib.plots` helper);
        else one is made with `figure(figsize, layout=layout)`.
      figsize, layout: the figure to make.

    The older call `Playground.__init__(fig, controls, artists)` is accepted too.

    Attributes:
      fig: the matplotlib figure; canvas: the `LiveCanvas` showing it.
      controls: dict of name -> widget; `compute`/`draw` receive `name=value`.
      status: an ipywidgets `Label` shown under the controls (the status line).
      errors: an `Output` widget that shows the traceback of a failed update.
      last_error: the exception of the last failed update, None after a good one.
    """

    cache_size = 32
    """How many `compute` results are kept (least recently used ones go first)."""

    prefetch = True
    """Send the frames of neighbouring slider values ahead to the browser (see the module docstring)."""

    prefetch_steps = (1, -1, 5, -5)
    """The slider steps drawn ahead of every slider: the arrow keys and the page keys."""

    prefetch_ahead = 4
    """How many more values of the slider in hand are drawn ahead beyond its next one, each as far
    on as its last move went (a drag keeps its pace)."""

    prefetch_budget_s = 0.5
    """Kernel seconds spent drawing ahead after one move, at most (the slider in hand comes first)."""

    prefetch_slowest_s = 0.1
    """No drawing ahead after an update slower than this: a move meanwhile would wait as long."""

    prefetch_fill_s = 2.0
    """Kernel seconds spent after that, while still idle, drawing the rest of the sliders' grids
    (the slider in hand first, nearest values first), so that a drag is painted from frames the
    browser already holds. The environment variable `LESSON_LIB_PREFETCH_FILL_S` overrides it for
    every playground (a hub whose kernels share a few cores sets it to 0)."""

    prefetch_fill_pause_s = 0.01
    """The pause between two frames of the fill. Frames travel one websocket in order, so a backlog
    of them in the browser would hold up a real answer queued behind it."""

    prefetch_fill_frames = 160
    """The most frames the fill sends after one move: the browser keeps 256 (`KEPT_FRAMES` in
    live_canvas.js), the newest first, so the neighbours sent before the fill stay."""

    def __init__(self, controls=None, *more, artists=(), fig=None, figsize=(MAX_WIDTH, 3.5),
                 layout="constrained"):
        if isinstance(controls, Figure):  # the older order: (fig, controls, artists)
            fig, controls, more = controls, (more[0] if more else None), more[1:]
        if more:
            artists = more[0]
        self.fig = figure(figsize, layout=layout) if fig is None else fig
        self.canvas = LiveCanvas(self.fig)
        self.controls = {}
        self.status = widgets.Label()
        self.errors = widgets.Output()
        self.last_error = None
        self._ready = False  # set once the constructor chain is done (see _DrawsAfterInit)
        self._held = 0  # depth of `hold()` blocks
        self._pending = False  # a control changed while updates were held
        self._busy = False  # an update is running (the re-entry guard)
        self._reacting = False  # `changed` is running
        self._stale = False  # the static part must be re-rendered
        self._cache = OrderedDict()
        self._shown = None  # (values, result) of the frame on show: what prefetching returns to
        self._last_move = None  # (name, grid steps): the slider that moved last, and how far
        self._prefetch_round = 0  # a new update cancels the prefetching of the one before
        self.add_controls(controls or {})
        self.moving(*artists)
        self.canvas.on_click(self._on_click)

    # --- building ---------------------------------------------------------------------------
    def add_controls(self, controls: dict) -> None:
        """Add controls (name -> widget); each change updates the playground."""
        for name, control in controls.items():
            if name in self.controls:
                raise ValueError(f"a control named {name!r} exists already")
            self.controls[name] = control
            control.observe(self._on_change, names="value")
        if getattr(self, "_ready", False):
            self.canvas.link(*self.controls.values())

    def moving(self, *artists):
        """Register artists that move (drawn each frame, left out of the background); returns them.

        One artist in, that artist out (`self.line = self.moving(*ax.plot([], []))`);
        several in, a tuple out.
        """
        for artist in artists:
            self.canvas.add(artist)
        return artists[0] if len(artists) == 1 else artists

    # --- the hooks a subclass fills in -------------------------------------------------------
    def compute(self, **values):
        """Pure: control values -> a result for `draw` (cached by the values it receives)."""
        return None

    def draw(self, result, **values):
        """Put `result` into the moving artists; return the status line (or None to leave it)."""
        raise NotImplementedError(f"{type(self).__name__} must define draw")

    def changed(self, name: str, value) -> None:
        """Control `name` just changed to `value`: react before the update (optional)."""

    def clicked(self, ax, x: float, y: float) -> None:
        """The figure was clicked at data coordinates (x, y) inside axes `ax` (optional)."""

    def control_rows(self) -> list:
        """The rows of widgets above the status line; override to arrange the controls."""
        return [widgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"})]

    # --- updating ---------------------------------------------------------------------------
    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Recompute (from the cache where it can) and redraw for the current values; never raises."""
        with self.canvas.lock:  # another thread's update finishes first (see LiveCanvas.lock)
            if not self._ready or self._held or self._busy:
                self._pending = True  # drawn when the block, or the running update, ends
                return
            self._busy = True
            try:
                for _ in range(2):  # once more if the update itself changed a control
                    self._pending = False
                    if self._guard(self._update) and not self._pending:
                        break
            finally:
                self._busy = False
                self._pending = False

    @contextlib.contextmanager
    def hold(self):
        """Within this block, control changes are collected; one update follows at its end."""
        with self.canvas.lock:
            self._held += 1
            try:
                yield self
            finally:
                self._held -= 1
                if not self._held and self._pending:
                    self.refresh()

    def set(self, **values) -> None:
        """Set several controls at once, with one update."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}: this playground has "
                             f"{', '.join(self.controls)}")
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value

    def invalidate(self) -> None:
        """The static part changed (axis limits, contours): the next frame re-renders the figure."""
        self._stale = True
        if self._ready and not (self._held or self._busy):
            self.show()

    def show(self) -> None:
        """Show the moving artists' current state (a whole new frame after `invalidate`)."""
        if self._stale:
            self.canvas.invalidate()
            self._stale = False
        self.canvas.update()

    def clear_cache(self) -> None:
        """Forget every cached `compute` result."""
        self._cache.clear()

    def action(self, fn, failure: str = "This action failed"):
        """A callback (for a button) that runs `fn()` with errors shown under the plot, then shows the frame."""

        def callback(*_):
            if self._guard(fn, failure=failure):
                self.show()

        return callback

    # --- the machinery ----------------------------------------------------------------------
    def _update(self):
        values = self.values
        self._prefetch_round += 1
        self._shown = None
        start = time.perf_counter()
        result = None if self._pure_draw else self._computed(values)
        status = self._draw(result, values)
        if status is not None:
            self.status.value = status
        self.show()
        self._shown = (values, result)
        if time.perf_counter() - start <= self.prefetch_slowest_s:
            self._schedule_prefetch()

    @property
    def _pure_draw(self) -> bool:
        return type(self).compute is Playground.compute

    def _draw(self, result, values):
        return self.draw(**values) if self._pure_draw else self.draw(result, **values)

    # --- prefetching: the frames of neighbouring slider values, sent ahead ------------------
    def _prefetch_plan(self) -> list:
        """`[(name, value)]`: the slider values to draw ahead, the likeliest next one first."""
        sliders = self._visible_sliders()
        plan = []
        if self._last_move and self._last_move[0] in sliders:  # the slider in hand first
            # A drag goes on at about the pace it had: the next move lands within half a move of
            # one more stride (nearest first), the later ones are guessed at whole strides.
            name, stride = self._last_move
            spread = abs(stride) // 2
            plan += [(name, stride + w) for w in sorted(range(-spread, spread + 1), key=abs)]
            plan += [(name, stride * n) for n in range(2, self.prefetch_ahead + 2)]
            plan += [(name, n) for n in self.prefetch_steps]
        plan += [(name, n) for n in self.prefetch_steps for name in sliders]
        values, seen = [], set()
        for name, steps in plan:
            value = slider_step(sliders[name], steps)
            if value is not None and (name, value) not in seen:
                seen.add((name, value))
                values.append((name, value))
        return values

    def _fill_plan(self, taken) -> list:
        """`[(name, value)]`: the rest of the sliders' grids, not in `taken`, to draw ahead once idle.

        The slider in hand first, then the others; along each, the values
        nearest its current one first; at most `prefetch_fill_frames`.
        """
        sliders = self._visible_sliders()
        if self._last_move and self._last_move[0] in sliders:
            sliders = {self._last_move[0]: sliders.pop(self._last_move[0]), **sliders}
        seen, plan = set(taken), []
        for name, control in sliders.items():
            for distance in itertools.count(1):
                ends = [slider_step(control, sign * distance) for sign in (1, -1)]
                if all(value is None for value in ends):
                    break
                for value in ends:
                    if value is not None and (name, value) not in seen:
                        seen.add((name, value))
                        plan.append((name, value))
                if len(plan) >= self.prefetch_fill_frames:
                    return plan[:self.prefetch_fill_frames]
        return plan

    def _fill_seconds(self) -> float:
        """`prefetch_fill_s`, or `$LESSON_LIB_PREFETCH_FILL_S` where it is set."""
        setting = os.environ.get("LESSON_LIB_PREFETCH_FILL_S")
        if setting is None:
            return self.prefetch_fill_s
        return _checks.number("LESSON_LIB_PREFETCH_FILL_S (seconds)", setting, low=0.0)

    def _visible_sliders(self) -> dict:
        return {name: control for name, control in self.controls.items()
                if isinstance(control, _SLIDERS) and control.layout.display != "none"}

    def _schedule_prefetch(self) -> None:
        if not (self.prefetch and self.canvas.live and self.canvas.linked and self._shown):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): nothing to prefetch for
            return
        near, fill_s = self._prefetch_plan(), self._fill_seconds()
        plan, round_ = list(near), self._prefetch_round
        spent, budget, pause, filling = 0.0, self.prefetch_budget_s, 0.001, False

        def next_one():
            nonlocal spent, budget, pause, filling
            if round_ != self._prefetch_round:
                return  # a newer move draws its own
            if not plan and not filling and fill_s > 0:
                # The neighbours are sent: on along the rest of the grids. Planned only now, since
                # most moves of a drag cancel the drawing ahead before it gets here.
                plan.extend(self._fill_plan(near))
                budget, pause, filling = budget + fill_s, self.prefetch_fill_pause_s, True
            # One frame per turn of the event loop: a slider's message waits at most one.
            if not (plan and spent < budget):
                return
            if not self.canvas.lock.acquire(blocking=False):
                return  # another thread is updating: its update draws ahead afresh
            try:
                if round_ != self._prefetch_round or self._busy or self._held:
                    return
                start = time.perf_counter()
                self.prefetch_one(*plan.pop(0))
                spent += time.perf_counter() - start
            finally:
                self.canvas.lock.release()
            loop.call_later(pause, next_one)

        loop.call_later(0.001, next_one)

    def prefetch_one(self, name: str, value) -> bool:
        """Draw the frame for control `name` at `value` and send it ahead; returns whether it was sent.

        The moving artists are then drawn back as they were; nothing is shown,
        the status line is left alone. Not sent: an error (the real move will
        show it) or a frame that needs a new background.
        """
        with self.canvas.lock:
            if self._shown is None or self.last_error is not None:
                return False
            return self._prefetch_locked(name, value)

    def _prefetch_locked(self, name, value) -> bool:
        shown_values, shown_result = self._shown
        values = {**shown_values, name: value}
        stale, sent = self._stale, False
        self._busy = True  # a control set meanwhile waits
        try:
            result = None if self._pure_draw else self._computed(values)
            self._draw(result, values)
            if self._stale == stale:
                sent = self.canvas.send_prefetched({self.controls[name]: value})
        except Exception:  # the real move to this value shows it
            sent = False
        finally:
            try:
                self._draw(shown_result, shown_values)
            finally:
                self._stale, self._busy = stale, False
        return sent

    def _computed(self, values):
        """`compute`'s result for these values, from the cache when it has it."""
        parameters = inspect.signature(self.compute).parameters.values()
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            values = {p.name: values[p.name] for p in parameters if p.name in values}
        key = tuple(values.items())
        try:
            hash(key)
        except TypeError:  # an unhashable control value: no caching
            return self.compute(**values)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        result = self.compute(**values)
        self._cache[key] = result
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    def _guard(self, fn, *args, failure: str = "This update failed") -> bool:
        """Run `fn(*args)`; an exception is shown under the plot, kept in `last_error`, never raised."""
        try:
            fn(*args)
        except Exception as error:  # shown to the learner, not swallowed
            self.last_error = error
            self.errors.outputs = ()
            self.errors.append_stderr(f"{failure}: {type(error).__name__}: {error}\n\n"
                                      + traceback.format_exc())
            return False
        if self.last_error is not None:
            self.errors.outputs = ()
        self.last_error = None
        return True

    def _on_change(self, change):
        if not self._ready:
            return  # the first update comes once the constructor is done
        with self.canvas.lock:
            self._react(change)

    def _react(self, change):
        if self._reacting:
            self._pending = True
            return
        name = next((n for n, c in self.controls.items() if c is change["owner"]), None)
        stride = grid_steps(change["owner"], change["old"], change["new"])
        self._last_move = (name, stride) if stride else None
        with self.hold():
            self._pending = True
            if type(self).changed is not Playground.changed:
                self._reacting = True
                try:
                    if not self._guard(self.changed, name, change["new"]):
                        self._pending = False
                finally:
                    self._reacting = False

    def _on_click(self, ax, x, y):
        if type(self).clicked is Playground.clicked:
            return
        with self.hold():
            self._pending = True
            if not self._guard(self.clicked, ax, x, y, failure="This click failed"):
                self._pending = False

    # --- display ----------------------------------------------------------------------------
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
