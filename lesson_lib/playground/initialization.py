"""Lesson 05 playground: how an initialization scheme carries signals through a deep wide network.

The model is `lesson_lib.signals`: a stack of `depth` square layers of `width`
units, without biases, fed Gaussian inputs forward and a fixed random error
signal backward. The playground shows, layer by layer, the histograms of the
activations `h_l` and of the backpropagated gradients `δ_l = ∂L/∂z_l`, and
their standard deviations.

The playground defaults to 256 units and only 32 input vectors (8,192 values
per histogram): the random fluctuations of the layer-to-layer statistics
shrink with the width, while the batch only smooths the histograms, and a
small batch keeps a slider move within a frame.

Speed: weights of every scheme are drawn once at gain 1 for the maximum depth
(all schemes here scale linearly with their gain, so `W(gain) = gain · W(1)`);
the gain, the depth (layers past it are skipped with `lax.cond`) and the
nonlinearity (an index selecting `φ` and `φ'`) are traced values, so no control ever
recompiles (`signals.layer_summaries` takes them all as traced arguments). All
layers' histograms of a panel are one `PolyCollection`, updated in place and
blitted.
"""

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.collections import PolyCollection

from lesson_lib import _checks
from lesson_lib.init import SCHEMES
from lesson_lib.signals import NONLINEARITIES, layer_summaries, nonlinearity_index
from lesson_lib.playground.base import Playground, dropdown, float_slider, int_slider

__all__ = [
    "GAIN_RANGE",
    "STD_LIM",
    "FIGSIZE",
    "step_outlines",
    "std_readout",
    "InitializationPlayground",
]

GAIN_RANGE = (0.25, 3.0)
STD_LIM = (1e-4, 1e4)
FIGSIZE = (7.4, 6.0)
"""The figure's size in inches: at most 7.4 wide, to fit a laptop's notebook column."""


@partial(jax.jit, static_argnums=(1, 2))
def _unit_weights(key, depth, width):
    """Every scheme's weights at gain 1, all from the same key (one compilation for all)."""
    keys = jax.random.split(key, depth)
    return [jax.vmap(lambda k, f=factory: f(1.0)(k, (width, width)))(keys)
            for factory, _ in SCHEMES.values()]


def step_outlines(edges, heights):
    """Closed outlines of histograms stacked one per row: row `l` (from 1) has its baseline at `y = l` and grows up (to smaller y).

    Returns an array `(rows, 2·bins + 2, 2)` of polygon vertices.
    """
    heights = np.asarray(heights, dtype=float)
    rows, bins = heights.shape
    base = np.arange(1, rows + 1, dtype=float)[:, None]
    xs = np.concatenate([edges[:1], np.repeat(edges[1:-1], 2), edges[-1:]])
    tops = base - np.repeat(heights, 2, axis=1)
    outline = np.empty((rows, 2 * bins + 2, 2))
    outline[:, 1:-1, 0] = xs
    outline[:, 1:-1, 1] = tops
    outline[:, 0] = np.stack([np.full(rows, edges[0]), base[:, 0]], axis=1)
    outline[:, -1] = np.stack([np.full(rows, edges[-1]), base[:, 0]], axis=1)
    return outline


def std_readout(values) -> str:
    """A standard deviation for the status line: 2 significant digits, or `0`/`inf`."""
    value = float(values)
    if not math.isfinite(value):
        return "inf"
    return "0" if value == 0 else f"{value:.2g}"


TITLES = ("activations $h_l$", r"backpropagated gradients $\delta_l = \partial L/\partial z_l$")
COLORS = ("tab:blue", "tab:red")


def _check_settings(width, batch, max_depth, depth, scheme, nonlinearity, bins, limit) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")
    nonlinearity_index(nonlinearity)
    for name, value, low in (("width", width, 1), ("batch", batch, 1),
                             ("max_depth", max_depth, 1), ("bins", bins, 2)):
        _checks.int_in_range(name, value, low)
    _checks.int_in_range("depth", depth, 1, int(max_depth))
    _checks.positive_float("limit", limit)


class InitializationPlayground(Playground):
    """Depth, initialization scheme, nonlinearity and gain -> per-layer histograms of a deep wide net.

    Choosing a scheme resets the gain to that scheme's default (Xavier and
    orthogonal 1, He √2); the gain slider then scales its standard deviation.

    Args:
      width: units per layer (all layers square).
      batch: number of Gaussian input vectors (each histogram holds
        `batch · width` values).
      max_depth: the largest depth on the slider.
      depth, scheme, nonlinearity: initial control values.
      bins: histogram bins over `[-limit, limit]` (values outside land in the edge bins).
      key: `jax.random` key for the weights, inputs and error signal.
    """

    def __init__(self, *, width: int = 256, batch: int = 32, max_depth: int = 20, depth: int = 10,
                 scheme: str = "xavier_normal", nonlinearity: str = "tanh", bins: int = 40,
                 limit: float = 3.0, key=None):
        _check_settings(width, batch, max_depth, depth, scheme, nonlinearity, bins, limit)
        key_w, key_x, key_r = jax.random.split(jax.random.key(0) if key is None else key, 3)
        self.max_depth, self.bins, self.limit = int(max_depth), int(bins), float(limit)
        # Same key for every scheme: the schemes differ only in how they draw.
        self._unit_weights = dict(zip(SCHEMES, _unit_weights(key_w, self.max_depth, int(width))))
        self._x = jax.random.normal(key_x, (int(batch), int(width)), jnp.float32)
        self._r = jax.random.normal(key_r, (int(batch), int(width)), jnp.float32)
        self._values = int(batch) * int(width)
        self.std = np.ones((2, self.max_depth))
        self.edges = np.linspace(-self.limit, self.limit, self.bins + 1)
        self._bin_width = self.edges[1] - self.edges[0]
        super().__init__({
            "depth": int_slider("depth", int(depth), 1, self.max_depth),
            "scheme": dropdown("scheme", SCHEMES, scheme),
            "nonlinearity": dropdown("nonlinearity", NONLINEARITIES, nonlinearity),
            "gain": float_slider("gain", SCHEMES[scheme][1], *GAIN_RANGE, 0.01),
        }, figsize=FIGSIZE)
        mosaic = self.fig.subplot_mosaic([["act", "grad"], ["std", "std"]], height_ratios=(1.7, 1))
        self.axes = [mosaic["act"], mosaic["grad"], mosaic["std"]]
        self.fig.suptitle("A deep wide network at initialization: what reaches each layer",
                          fontsize=11)
        self.histograms = [self.moving(self._histogram_panel(ax, title, color))
                           for ax, title, color in zip(self.axes[:2], TITLES, COLORS)]
        self.act_line, self.grad_line = self._std_panel(self.axes[2])

    def _histogram_panel(self, ax, title, color) -> PolyCollection:
        """One panel of per-layer histograms; returns its (moving) collection."""
        ax.set_xlim(-self.limit, self.limit)
        ax.set_ylim(self.max_depth + 0.6, -0.9)  # layer 1 at the top, as data flows down
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"value (beyond ±{self.limit:g}: in the edge bin)", fontsize=9)
        ax.set_ylabel("layer")
        ax.set_yticks([1] + list(range(5, self.max_depth + 1, 5)))
        ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
        # All layers' histograms in one collection: one draw call per panel.
        collection = PolyCollection([], facecolors=color, edgecolors=color, alpha=0.7,
                                    linewidths=0.6)
        ax.add_collection(collection)
        return collection

    def _std_panel(self, ax):
        """The standard deviation per layer; returns its two (moving) lines."""
        ax.set(yscale="log", ylim=STD_LIM, xlim=(0.5, self.max_depth + 0.5))
        ax.set_xticks([1] + list(range(5, self.max_depth + 1, 5)))
        ax.axhline(1.0, color="0.6", ls="--", lw=1)
        ax.set_title("standard deviation per layer", fontsize=10)
        ax.set_xlabel("layer", fontsize=9)
        ax.set_ylabel("std (log scale)", fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
        lines = (self.moving(*ax.plot([], [], "o-", color=COLORS[0], ms=4,
                                      label="activations $h_l$")),
                 self.moving(*ax.plot([], [], "s-", color=COLORS[1], ms=4,
                                      label=r"gradients $\delta_l$")))
        ax.legend(loc="upper left", fontsize=8, ncols=2)
        return lines

    def changed(self, name, value):
        """A new scheme starts from its own default gain (one update for both changes)."""
        if name == "scheme":
            self.controls["gain"].value = SCHEMES[value][1]

    def compute(self, depth, scheme, nonlinearity, gain):
        """`(counts, std)`: histogram counts `(2, max_depth, bins)` and stds `(2, max_depth)`, row 0 activations, row 1 gradients."""
        # NumPy scalars: same traced signature as jnp scalars, less dispatch work.
        counts, std = layer_summaries(
            self._unit_weights[scheme], np.int32(depth), np.int32(nonlinearity_index(nonlinearity)),
            self._x, self._r, np.float32(self.limit), bins=self.bins, gain=np.float32(gain),
        )
        return np.asarray(counts), np.asarray(std)

    def draw(self, summaries, depth, scheme, nonlinearity, gain):
        depth = int(depth)
        counts, std = summaries
        self.std = std
        # Density, drawn so a standard normal's peak (0.40) fills 60 % of a row;
        # taller spikes (collapsed or saturated layers) are capped at 1.5 rows.
        heights = np.minimum(counts[:, :depth] / (self._values * self._bin_width) * 1.5, 1.5)
        for kind, collection in enumerate(self.histograms):
            collection.set_verts(step_outlines(self.edges, heights[kind]))
        layers = np.arange(1, depth + 1)
        with np.errstate(invalid="ignore"):
            shown = np.clip(np.nan_to_num(std[:, :depth], nan=STD_LIM[1], posinf=STD_LIM[1]),
                            *STD_LIM)
        self.act_line.set_data(layers, shown[0])
        self.grad_line.set_data(layers, shown[1])
        return (
            f"{scheme} (gain {float(gain):.2f}), {nonlinearity}, depth {depth}: "
            f"activation std layer 1 → {depth}: {std_readout(std[0, 0])} → "
            f"{std_readout(std[0, depth - 1])}; gradient std layer {depth} → 1: "
            f"{std_readout(std[1, depth - 1])} → {std_readout(std[1, 0])}"
        )
