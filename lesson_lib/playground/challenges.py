"""Lesson 12 playgrounds: the condition number, the clipping threshold, a particle swarm.

- `ConditionPlayground`: gradient descent on the bowl `½(θ₁² + κ θ₂²)`, with
  log sliders for κ and the learning rate. κ is a traced argument and the
  level sets are drawn as moving lines, so no slider recompiles or redraws
  the axes.
- `ClippingPlayground`: gradient descent on `challenges.cliff`, with a log
  slider for the clipping threshold, the clipping mode and the learning rate.
- `SwarmPlayground`: a particle swarm on `challenges.wells`, with sliders for
  the swarm size (one compiled swarm of the largest size, the rest masked),
  inertia and the two pulls, a Play control that steps through the run, and
  a start over the whole box or in a small square the learner clicks (a
  traced box: no recompilation).
"""

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks, challenges
from lesson_lib.curves import first_step_below
from lesson_lib.playground.base import Playground, float_slider, int_slider, log_slider
from lesson_lib.plots import format_lr
from lesson_lib.plots.challenges import FIGSIZE, draw_map
from lesson_lib.second_order import CLIP_MODES, clipped_descent
from lesson_lib.swarm import particle_swarm
from lesson_lib.train import gradient_descent

__all__ = [
    "CONDITION_RANGE",
    "condition_start",
    "ConditionPlayground",
    "ClippingPlayground",
    "SwarmPlayground",
]

CONDITION_RANGE = (1.0, 1000.0)
_WELLS_BOX = np.asarray(challenges.WELLS_BOUNDS, dtype=float)  # rows: (low, high) per coordinate
_LOSS_LIM = (1e-6, 1e3)


def condition_start(condition_number: float) -> np.ndarray:
    """The bowl's start `(1, 1/√κ)`: both coordinates hold the same loss, ½ each."""
    return np.array([1.0, 1.0 / np.sqrt(float(condition_number))], dtype=np.float32)


def _levels(kappa, values=(0.02, 0.1, 0.3, 1.0, 2.0)):
    """Level sets `½(u² + κ v²) = c` as one line with NaN breaks."""
    t = np.linspace(0, 2 * np.pi, 73)
    xs, ys = [], []
    for c in values:
        xs += list(np.sqrt(2 * c) * np.cos(t)) + [np.nan]
        ys += list(np.sqrt(2 * c / kappa) * np.sin(t)) + [np.nan]
    return np.array(xs), np.array(ys)


def _finite(path, losses, diverged_at, lim):
    end = len(losses) if diverged_at is None else int(diverged_at)
    return np.clip(path[:end], -lim, lim), np.asarray(losses[:end], dtype=float)


class ConditionPlayground(Playground):
    """Gradient descent on a bowl whose condition number κ and learning rate are sliders.

    Left: the bowl's level sets and the path from `(1, 1/√κ)`, or from
    wherever the learner clicks on the map; right: the loss per step (log
    scale). The status line compares the rate with the stability limit 2/κ
    and says how many steps reach the loss threshold.
    """

    def __init__(self, steps: int = 100, threshold: float = 1e-3):
        self.steps = _checks.int_in_range("steps", steps, 1)
        self.threshold = _checks.positive_float("threshold", threshold)
        controls = {
            "kappa": log_slider("condition number κ", 10.0, *CONDITION_RANGE, step=0.05),
            "lr": log_slider("learning rate", 0.15, 1e-3, 1.0, step=0.02),
        }
        controls["kappa"].readout_format = ".3g"
        super().__init__(controls, figsize=FIGSIZE)
        ax_map, ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        ax_map.set(xlim=(-1.6, 1.6), ylim=(-1.1, 1.1), xlabel="θ₁ (flat: curvature 1)",
                   ylabel="θ₂ (steep: curvature κ)")
        ax_map.set_aspect("equal")
        ax_map.set_title("level sets and the path", fontsize=10)
        ax_map.plot([0], [0], "*", color="gold", mec="black", ms=13, zorder=5)
        ax_loss.set(yscale="log", xlim=(0, self.steps), ylim=_LOSS_LIM, xlabel="step",
                    ylabel="loss (log scale)")
        ax_loss.set_title(f"loss per step (line: {self.threshold:g})", fontsize=10)
        ax_loss.axhline(self.threshold, color="gray", lw=0.8)
        ax_loss.grid(True, alpha=0.3)
        self.ax_map, self.clicked_start = ax_map, None
        self.level_lines = self.moving(*ax_map.plot([], [], color="tab:blue", lw=0.8))
        self.path = self.moving(*ax_map.plot([], [], ".-", color="tab:red", lw=1.2, ms=3))
        self.curve = self.moving(*ax_loss.plot([], [], color="tab:red", lw=1.5))

    def clicked(self, ax, x, y):
        """A click on the map: the path starts there (for every κ, until the next click)."""
        if ax is self.ax_map:
            self.clicked_start = np.array([x, y], dtype=np.float32)  # clicks land inside the axes
            self.clear_cache()

    def compute(self, kappa, lr):
        """The `Trajectory` of gradient descent for these slider values."""
        kappa = _checks.number("kappa", kappa, low=1.0)
        start = jnp.asarray(condition_start(kappa) if self.clicked_start is None else self.clicked_start)
        return gradient_descent(challenges.quadratic, start, float(lr), self.steps,
                                args=(jnp.float32(kappa),))

    def draw(self, run, kappa, lr):
        self.last_run = run
        self.level_lines.set_data(*_levels(float(kappa)))
        path, losses = _finite(np.asarray(run.params, dtype=float), np.asarray(run.losses),
                               run.diverged_at, 1e3)
        self.path.set_data(path[:, 0], path[:, 1])
        self.curve.set_data(np.arange(len(losses)), np.clip(losses, *_LOSS_LIM))
        limit = 2.0 / float(kappa)
        side = "<" if lr < limit else ">="
        if run.diverged_at is not None:
            verdict = f"diverged at step {run.diverged_at}"
        else:
            reached = first_step_below(np.asarray(run.losses), self.threshold)
            verdict = (f"loss ≤ {self.threshold:g} after {reached} steps" if reached is not None
                       else f"loss still above {self.threshold:g} after {self.steps} steps")
        raised = bool(np.asarray(run.losses)[1] > np.asarray(run.losses)[0])
        return (f"κ = {float(kappa):.3g}, lr = {format_lr(lr)} {side} 2/κ = {format_lr(limit)}: "
                f"{verdict}; first step raises the loss: {'yes' if raised else 'no'}")


class ClippingPlayground(Playground):
    """Gradient descent down a cliff, with the clipping threshold, mode and rate as controls.

    Left: the cliff's contours and the path (the map is 12 units wide; a path
    thrown outside is seen leaving it), from the white square, which a click
    on the map moves; right: the loss per step. The status line gives the
    longest step and the steps to reach loss 0.05.
    """

    def __init__(self, steps: int = 80, threshold: float = 0.05):
        self.steps = _checks.int_in_range("steps", steps, 1)
        self.finish = _checks.positive_float("threshold", threshold)
        self.start = jnp.asarray(challenges.CLIFF_START, dtype=jnp.float32)
        controls = {
            "threshold": log_slider("clip threshold", 1.0, 0.01, 100.0, step=0.05),
            "mode": widgets.ToggleButtons(options=list(CLIP_MODES), value="norm",
                                          description="clipping"),
            "lr": log_slider("learning rate", 0.3, 1e-2, 1.0, step=0.02),
        }
        super().__init__(controls, figsize=FIGSIZE)
        ax_map, ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        draw_map(ax_map, challenges.cliff, (-4.0, 8.0), (-4.0, 6.0))
        ax_map.plot(*challenges.CLIFF_MINIMUM, "*", color="gold", mec="black", ms=13, zorder=5)
        ax_map.set_title("the cliff (bright: high) and the path", fontsize=10)
        ax_loss.set(yscale="log", xlim=(0, self.steps), ylim=(1e-4, 1e2), xlabel="step",
                    ylabel="loss (log scale)")
        ax_loss.axhline(self.finish, color="gray", lw=0.8)
        ax_loss.set_title(f"loss per step (line: {self.finish:g})", fontsize=10)
        ax_loss.grid(True, alpha=0.3)
        self.ax_map = ax_map
        self.path = self.moving(*ax_map.plot([], [], ".-", color="tab:red", lw=1.2, ms=3))
        self.start_mark = self.moving(*ax_map.plot(*challenges.CLIFF_START, "s", color="white",
                                                   mec="black", ms=7, zorder=5))
        self.curve = self.moving(*ax_loss.plot([], [], color="tab:red", lw=1.5))

    def clicked(self, ax, x, y):
        """A click on the map: the path starts there."""
        if ax is self.ax_map:
            self.start = jnp.array([x, y], dtype=jnp.float32)
            self.clear_cache()

    def compute(self, threshold, mode, lr):
        """The `Trajectory` of clipped descent for these control values."""
        return clipped_descent(challenges.cliff, self.start, float(lr), self.steps,
                               threshold=float(threshold), mode=mode)

    def draw(self, run, threshold, mode, lr):
        self.last_run = run
        path, losses = _finite(np.asarray(run.params, dtype=float), np.asarray(run.losses),
                               run.diverged_at, 1e4)
        self.path.set_data(path[:, 0], path[:, 1])
        self.start_mark.set_data([float(self.start[0])], [float(self.start[1])])
        self.curve.set_data(np.arange(len(losses)), np.clip(losses, 1e-4, 1e2))
        self.longest_step = float(np.max(np.linalg.norm(np.diff(path, axis=0), axis=1)))
        reached = first_step_below(losses, self.finish)
        clip = "no clipping" if mode == "none" else f"clip by {mode} at {float(threshold):.2g}"
        return (f"{clip}, lr = {format_lr(lr)}: longest step {self.longest_step:.2f}; "
                f"loss ≤ {self.finish:g} after "
                + (f"{reached} steps" if reached is not None else f"more than {self.steps} steps"))


class SwarmPlayground(Playground):
    """A particle swarm searching a landscape with five wells; swarm size, inertia and pulls as sliders.

    Left: the particles at the step shown (a Play control steps through the
    run) and the best point so far; right: the best value so far per step,
    with the global minimum's value as a line. Changing a coefficient reruns
    the swarm (one compiled run of the largest size, the others masked). The
    swarm starts spread over the whole box, or (`start`) all inside a square
    of side `square_side` (dashed), around the shallow well at the centre
    until the learner clicks the map to put it elsewhere.
    `key` (keyword, default `jax.random.key(0)`) draws the swarm's start and its
    random pulls; the same key gives the same swarm for every slider setting.
    """

    START_OPTIONS = ("whole box", "small square")

    def __init__(self, steps: int = 40, max_particles: int = 40, interval_ms: int = 150, *,
                 square_side: float = 1.6, key=None):
        self.steps = _checks.int_in_range("steps", steps, 1)
        self._start_square(square_side)
        self.max_particles = _checks.int_in_range("max_particles", max_particles, 2)
        _checks.int_in_range("interval_ms", interval_ms, 1)
        if key is not None:
            _checks.prng_key("key", key)
        self.key = jax.random.key(0) if key is None else key
        self.global_value = float(challenges.wells(jnp.asarray(challenges.WELL_CENTERS[4])))
        bounds = challenges.WELLS_BOUNDS
        controls = {
            "n_particles": int_slider("particles", 20, 2, self.max_particles),
            "inertia": float_slider("inertia w", 0.7, 0.0, 1.2, 0.05),
            "c1": float_slider("pull to own best c1", 1.5, 0.0, 3.0, 0.1),
            "c2": float_slider("pull to swarm's best c2", 1.5, 0.0, 3.0, 0.1),
            "step": widgets.Play(value=self.steps, min=0, max=self.steps, step=1,
                                 interval=int(interval_ms), description="step"),
            "start": widgets.ToggleButtons(options=self.START_OPTIONS, description="start"),
        }
        super().__init__(controls, figsize=FIGSIZE)
        self.step_slider = widgets.IntSlider(value=self.steps, min=0, max=self.steps,
                                             description="step")
        widgets.jslink((controls["step"], "value"), (self.step_slider, "value"))
        ax_map, ax_best = self._static_axes(bounds)
        self.particles = self.moving(*ax_map.plot([], [], "o", color="white", mec="black", ms=4))
        self.best = self.moving(*ax_map.plot([], [], "*", color="gold", mec="black", ms=14,
                                             zorder=6))
        self.curve = self.moving(*ax_best.plot([], [], color="tab:red", lw=1.8))
        self.square_outline = self.moving(*ax_map.plot([], [], "--", color="black", lw=1.2, zorder=5))

    def _start_square(self, side):
        """Check the square's side; the first square lies around the shallow well at the centre."""
        self.square_side = _checks.number("square_side", side, low=0.0, low_open=True,
                                          high=float(np.min(_WELLS_BOX[:, 1] - _WELLS_BOX[:, 0])))
        self.square = self._square_around(challenges.WELL_CENTERS[2])

    def _square_around(self, point):
        """The start square of side `square_side` centred on `point`, moved inside the box."""
        half = self.square_side / 2
        centre = np.clip(np.asarray(point, dtype=float), _WELLS_BOX[:, 0] + half, _WELLS_BOX[:, 1] - half)
        return tuple((float(c - half), float(c + half)) for c in centre)

    def clicked(self, ax, x, y):
        """A click on the map: the whole swarm starts in the square around it (from now on)."""
        if ax is self.ax_map:
            self.square = self._square_around((x, y))
            self.clear_cache()
            self.controls["start"].value = "small square"

    def _static_axes(self, bounds):
        """The landscape's contours and the best-so-far axes, drawn once."""
        ax_map, ax_best = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        draw_map(ax_map, challenges.wells, bounds[0], bounds[1], log=False, n=101)
        ax_map.set_title("particles (white) and the best point (star)", fontsize=10)
        ax_best.set(xlim=(0, self.steps), ylim=(-1.6, 0.2), xlabel="step",
                    ylabel="best loss found so far")
        ax_best.axhline(self.global_value, color="gold", lw=1.2, label="global minimum")
        ax_best.legend(fontsize=8, loc="upper right")
        ax_best.set_title("the swarm's best so far", fontsize=10)
        ax_best.grid(True, alpha=0.3)
        self.ax_map = ax_map
        return ax_map, ax_best

    def compute(self, n_particles, inertia, c1, c2, start="whole box"):
        """`(positions, values, best_values)` of the swarm, NumPy arrays of the active particles."""
        result = particle_swarm(challenges.wells, challenges.WELLS_BOUNDS,
                                n_particles=self.max_particles, steps=self.steps, key=self.key,
                                inertia=float(inertia), c1=float(c1), c2=float(c2),
                                active=int(n_particles),
                                start=self.square if start == "small square" else None)
        positions = np.asarray(result.positions, dtype=float)[:, : int(n_particles)]
        values = np.asarray(result.values, dtype=float)[:, : int(n_particles)]
        return positions, values, np.asarray(result.best_values, dtype=float)

    def draw(self, result, n_particles, inertia, c1, c2, step, start):
        positions, values, best = result
        step = int(step)
        (x0, x1), (y0, y1) = self.square
        self.square_outline.set_data(*(([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
                                       if start == "small square" else ([], [])))
        self.particles.set_data(positions[step, :, 0], positions[step, :, 1])
        seen = values[: step + 1].reshape(-1)
        where = int(np.argmin(seen))
        point = positions[: step + 1].reshape(-1, 2)[where]
        self.best.set_data([point[0]], [point[1]])
        self.curve.set_data(np.arange(step + 1), np.clip(best[: step + 1], -1.6, 0.2))
        self.best_point = point
        well = int(challenges.nearest_well(point)[0])
        found = "the global minimum's well" if well == 4 else f"well {well} (a local minimum)"
        return (f"{int(n_particles)} particles, w = {float(inertia):.2f}, c1 = {float(c1):.1f}, "
                f"c2 = {float(c2):.1f} · step {step}: best {best[step]:.3f} in {found}")

    def control_rows(self):
        """Three rows: Play and the step, the swarm's coefficients, where it starts."""
        c = self.controls
        return [widgets.HBox([c["step"], self.step_slider, c["n_particles"]]),
                widgets.HBox([c["inertia"], c["c1"], c["c2"]], layout={"flex_flow": "row wrap"}),
                c["start"]]
