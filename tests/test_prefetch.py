"""Frames sent ahead: a playground draws its sliders' neighbouring values while idle.

The browser is played by a stand-in that records what the kernel sends. A frame
sent ahead must be the very frame the real move would send (same drawing
operations, same bytes), must leave the playground as it was (artists, status
line), and must never survive a change that no slider made (the epoch).
"""

import asyncio
import threading

import ipywidgets as widgets
import numpy as np
import pytest

from lesson_lib.compilation import count_compilations
from lesson_lib.playground import Playground, float_slider, int_slider, log_slider
from lesson_lib.playground.base import slider_step
from lesson_lib.narrow_sweep import SweepResult
from lesson_lib.playground.challenges import ClippingPlayground
from lesson_lib.playground.depth_lr import DepthLRPlayground
from lesson_lib.playground.gradcheck import StepSizePlayground
from lesson_lib.playground.initialization import InitializationPlayground
from lesson_lib.playground.landscape import LandscapePlayground
from lesson_lib.playground.learning_rate import LearningRatePlayground
from lesson_lib.playground.optimizers import OptimizerRacePlayground
from lesson_lib.playground.schedules import SchedulePlayground
from lesson_lib.plots.scene import record_artists


class Parabola(Playground):
    """y = a x² with an offset; `fail_above` makes compute raise, `restyle_above` needs a new background."""

    fail_above = np.inf
    restyle_above = np.inf

    def __init__(self):
        super().__init__({"a": float_slider("a", 0.5, -2.0, 2.0, 0.1), "n": int_slider("n", 3, 1, 9),
                          "lr": log_slider("lr", 0.01, 1e-4, 1.0, step=0.25)}, figsize=(3, 2))
        ax = self.fig.subplots()
        ax.set(xlim=(-1, 1), ylim=(-3, 3))
        self.ax = ax
        self.line = self.moving(*ax.plot([], []))
        self.computed = []

    def compute(self, a, n, lr):
        if a > self.fail_above:
            raise ValueError("a too large")
        self.computed.append((a, n, lr))
        x = np.linspace(-1, 1, 11)
        return x, a * x**2 + n / 10 + lr

    def draw(self, curve, a, n, lr):
        if a > self.restyle_above:
            self.invalidate()
        self.line.set_data(*curve)
        return f"a = {a:.1f}, n = {n}"


def _live(pg):
    """Open a stand-in browser view of `pg`; returns the list of (content, buffers) it receives."""
    sent = []
    pg.canvas.send = lambda content, buffers=None: sent.append((content, [bytes(b) for b in buffers or []]))
    pg.canvas._on_message(pg.canvas, {"type": "ready", "ratio": 1.0}, [])
    return sent


def _frames(sent, ahead=False):
    return [(c, b) for c, b in sent if c["type"] == "frame" and bool(c.get("ahead")) == ahead]


def _move(pg, name, value, seq):
    """The browser's linked message setting control `name` to `value`."""
    index = next(i for i, c in enumerate(pg.canvas.linked) if c is pg.controls[name])
    if isinstance(pg.controls[name], widgets.SelectionSlider):  # the browser syncs its index
        value = list(pg.controls[name].options).index(value)
    pg.canvas._on_message(pg.canvas, {"type": "set", "seq": seq, "changes": [[index, value]]}, [])


def _scene(pg):
    ops, buffers = record_artists(pg.fig, pg.canvas.artists)
    return ops, [bytes(b) for b in buffers]


def test_slider_step_walks_each_sliders_grid_and_stops_at_its_ends():
    slider = widgets.FloatSlider(value=0.3, min=-1.0, max=1.0, step=0.1)
    assert slider_step(slider, 1) == 0.4 and slider_step(slider, -5) == -0.2
    assert slider_step(slider, 7) == 1.0 and slider_step(slider, 8) is None
    log = widgets.FloatLogSlider(value=0.02, min=-4, max=0, step=0.25)  # off the grid: nearest point
    assert slider_step(log, 1) == pytest.approx(10 ** -1.5) and slider_step(log, -8) == pytest.approx(10 ** -3.75)
    assert slider_step(widgets.IntSlider(value=2, min=0, max=10, step=2), -1) == 0
    assert slider_step(widgets.IntSlider(value=0, min=0, max=10), -1) is None
    assert slider_step(widgets.Play(value=200, min=0, max=200), -5) == 195  # a Play scrubbing a slider


def test_the_plan_draws_the_keys_neighbours_and_further_along_the_last_drag():
    pg = Parabola()
    assert pg._prefetch_plan()[:4] == [("a", 0.6), ("n", 4), ("lr", pytest.approx(10 ** -1.75)), ("a", 0.4)]
    pg.controls["a"].value = 0.4  # a step to the left: the drag goes on leftwards
    plan = pg._prefetch_plan()
    assert plan[:7] == [("a", 0.3), ("a", 0.2), ("a", 0.1), ("a", 0.0), ("a", -0.1), ("a", 0.5), ("a", 0.9)]
    pg.controls["a"].value = 0.1  # three steps at once (a fast drag): on at that pace, ± a step
    plan = pg._prefetch_plan()
    assert plan[:7] == [("a", -0.2), ("a", -0.3), ("a", -0.1), ("a", -0.5), ("a", -0.8), ("a", -1.1), ("a", -1.4)]
    assert ("n", 4) in plan and ("n", 8) in plan and all(value >= 1 for name, value in plan if name == "n")


def test_a_frame_sent_ahead_is_the_frame_the_move_sends_and_leaves_the_playground_as_it_was():
    pg = Parabola()
    sent = _live(pg)
    before, status = _scene(pg), pg.status.value
    for name, value in [("a", 0.6), ("n", 8), ("lr", slider_step(pg.controls["lr"], 1))]:
        assert pg.prefetch_one(name, value)
        assert _scene(pg) == before and pg.status.value == status
    ahead = _frames(sent, ahead=True)
    assert [c["state"] for c, _ in ahead] == [[0.6, 3, 0.01], [0.5, 8, 0.01],
                                               [0.5, 3, slider_step(pg.controls["lr"], 1)]]
    _move(pg, "a", 0.6, seq=1)
    real, real_buffers = _frames(sent)[-1]
    assert real["state"] == [0.6, 3, 0.01] and real["epoch"] == ahead[0][0]["epoch"]
    assert real["ops"] == ahead[0][0]["ops"] and real_buffers == ahead[0][1]
    assert pg.computed.count((0.6, 3, 0.01)) == 1, "the real move reuses the result computed ahead"


class PausingParabola(Parabola):
    """A Parabola whose compute for `pause_at` waits until the test lets it go on."""

    pause_at = 0.6

    def __init__(self):
        super().__init__()
        self.computing, self.go_on = threading.Event(), threading.Event()

    def compute(self, a, n, lr):
        if a == self.pause_at:
            self.computing.set()
            assert self.go_on.wait(10)
        return super().compute(a, n, lr)


def test_a_slider_message_on_another_thread_waits_for_the_frame_drawn_ahead_and_is_answered():
    # ipykernel 7 hands comm messages to subshell threads: a slider's value can arrive while the
    # main thread draws a neighbour ahead. It must wait, then be applied and answered; not lost.
    pg = PausingParabola()
    sent = _live(pg)
    ahead = threading.Thread(target=pg.prefetch_one, args=("a", 0.6))
    ahead.start()
    assert pg.computing.wait(10)
    move = threading.Thread(target=_move, args=(pg, "a", 0.8), kwargs={"seq": 1})
    move.start()
    move.join(0.2)
    assert move.is_alive(), "the slider's message waits while a frame is drawn ahead"
    pg.go_on.set()
    ahead.join(10), move.join(10)
    answers = [c for c, _ in _frames(sent) if c["seq"] == 1]
    assert len(answers) == 1 and answers[0]["state"] == [0.8, 3, 0.01]
    assert pg.status.value == "a = 0.8, n = 3" and pg.values["a"] == 0.8
    assert _frames(sent, ahead=True)[-1][0]["state"] == [0.6, 3, 0.01]


def test_errors_and_new_backgrounds_are_not_sent_ahead_and_change_nothing():
    pg = Parabola()
    pg.fail_above, pg.restyle_above = 0.55, 0.45
    sent = _live(pg)
    assert not pg.prefetch_one("a", 0.6) and pg.last_error is None  # compute raises
    pg.fail_above = np.inf
    assert not pg.prefetch_one("a", 0.6)  # its draw asks for a new background
    assert not pg._stale and not _frames(sent, ahead=True) and pg.errors.outputs == ()
    assert pg.prefetch_one("a", 0.4)


def test_a_change_no_slider_made_starts_a_new_epoch():
    pg = Parabola()
    sent = _live(pg)
    _move(pg, "a", 0.7, seq=1)
    _move(pg, "n", 5, seq=2)
    epochs = [c["epoch"] for c, _ in _frames(sent)]
    assert epochs[1] == epochs[2] == epochs[0], "linked moves keep the epoch"
    pg.set(a=0.1)  # code in a cell (or a button, a click)
    assert _frames(sent)[-1][0]["epoch"] == epochs[0] + 1
    pg.prefetch_one("a", 0.2)
    assert _frames(sent, ahead=True)[-1][0]["epoch"] == epochs[0] + 1


def test_without_a_view_or_with_prefetch_off_nothing_is_sent_ahead():
    pg = Parabola()
    assert not pg.prefetch_one("a", 0.6)  # no browser view: nothing to send to
    pg.prefetch = False

    async def moved():
        sent = _live(pg)
        _move(pg, "a", 0.9, seq=1)
        await asyncio.sleep(0.05)
        return sent

    assert not _frames(asyncio.run(moved()), ahead=True)


def test_an_idle_kernel_sends_the_neighbours_ahead_and_a_new_move_cancels_the_rest():
    pg = Parabola()
    pg.prefetch_fill_s = 0.0  # the neighbours only (the fill is the next test's)

    async def moved():
        sent = _live(pg)
        _move(pg, "a", 0.9, seq=1)
        await asyncio.sleep(0.2)
        whole = len(_frames(sent, ahead=True))
        _move(pg, "a", 1.0, seq=2)
        await asyncio.sleep(0)
        _move(pg, "a", 1.1, seq=3)  # before the first neighbour of 1.0 was drawn
        await asyncio.sleep(0.2)
        return sent, whole

    sent, whole = asyncio.run(moved())
    # along the drag at its pace of 4 steps: the next move ± 2 steps (1.3, 1.2, 1.4, 1.1, 1.5), then
    # 1.7 (the rest is past the end), a's other keys (1.0, 0.8, 0.4), n 4, 2, 8 and lr ×4
    assert whole == 16
    states = [c["state"][0] for c, _ in _frames(sent, ahead=True)[whole:]]
    assert states[:5] == [1.2, 1.3, 1.4, 1.5, 1.6], "only the newest value's neighbours, the drag's way first"


def test_then_the_idle_kernel_fills_in_every_sliders_whole_grid_the_slider_in_hand_first():
    pg = Parabola()

    async def moved():
        sent = _live(pg)
        _move(pg, "a", 0.9, seq=1)
        await asyncio.sleep(1.0)
        return sent

    states = [(round(a, 9), n, round(np.log10(lr), 9))
              for a, n, lr in (c["state"] for c, _ in _frames(asyncio.run(moved()), ahead=True))]
    every = ({(round(a, 1), 3, -2.0) for a in np.arange(-2.0, 2.05, 0.1)} | {(0.9, n, -2.0) for n in range(1, 10)}
             | {(0.9, 3, e) for e in np.arange(-4.0, 0.1, 0.25)})  # lr: 1e-4 … 1 by quarter decades
    every.discard((0.9, 3, -2.0))  # the state on show
    assert len(states) == len(set(states)) == len(every) and set(states) == every
    fill = states[16:]  # after the neighbours: the rest of a's grid, nearest first, then n's, then lr's
    assert [a for a, n, lr in fill[:5]] == [0.7, 0.6, 0.5, 0.3, 1.6] and {a for a, n, lr in fill[-17:]} == {0.9}  # n: 5 left, lr: 12


def test_the_environment_turns_the_fill_off_for_every_playground_and_a_bad_setting_is_shown(monkeypatch):
    async def moved(pg, value):
        sent = _live(pg)
        _move(pg, "a", value, seq=1)
        await asyncio.sleep(0.5)
        return sent

    monkeypatch.setenv("LESSON_LIB_PREFETCH_FILL_S", "0")
    assert len(_frames(asyncio.run(moved(Parabola(), 0.9)), ahead=True)) == 16  # the neighbours only
    monkeypatch.setenv("LESSON_LIB_PREFETCH_FILL_S", "soon")
    pg = Parabola()
    asyncio.run(moved(pg, 0.9))
    assert "LESSON_LIB_PREFETCH_FILL_S (seconds) must be a finite number >= 0, got 'soon'" in str(pg.last_error)


def test_the_fill_stops_at_its_frame_cap():
    pg = Parabola()
    pg.prefetch_fill_frames = 10
    plan = pg._fill_plan(pg._prefetch_plan())
    assert len(plan) == 10 and all(name == "a" for name, value in plan)  # no move yet: the first slider


def _depth_lr():
    """Lesson 04's playground over a made-up sweep of its shape (a depth selection slider)."""
    rng = np.random.default_rng(0)
    losses = np.exp(-np.linspace(0, 5, 301))[None, None] * rng.uniform(0.5, 1.5, (12, 40, 1))
    sweep = SweepResult(np.arange(1, 13), np.geomspace(1e-3, 1, 40), losses, np.full((12, 40), -1))
    return DepthLRPlayground(sweep, 0.05)


LESSON_PLAYGROUNDS = {
    "01 landscape": lambda: LandscapePlayground(),
    "04 depth and learning rate": _depth_lr,
    "03 learning rate": lambda: LearningRatePlayground(),
    "05 initialization": lambda: InitializationPlayground(),
    "06 race": lambda: OptimizerRacePlayground(),
    "07 schedules": lambda: SchedulePlayground(),
    "08 step size": lambda: StepSizePlayground(),
    "12 clipping": lambda: ClippingPlayground(),
}


@pytest.mark.slow  # builds and moves every lesson's playground: 0.8-2 s each
@pytest.mark.parametrize("make", LESSON_PLAYGROUNDS.values(), ids=LESSON_PLAYGROUNDS.keys())
def test_in_every_lesson_a_frame_sent_ahead_is_the_real_moves_frame_and_compiles_nothing(make):
    pg = make()
    sent = _live(pg)
    before, status = _scene(pg), pg.status.value
    plan = pg._prefetch_plan()
    assert plan, "every lesson playground has a slider to draw ahead"
    with count_compilations() as count:
        sent_ahead = [pg.prefetch_one(name, value) for name, value in plan[:4]]
    assert all(sent_ahead) and count.compiles == 0
    assert _scene(pg) == before and pg.status.value == status
    ahead, original = _frames(sent, ahead=True), pg.values
    for seq, ((name, value), (content, buffers)) in enumerate(zip(plan[:4], ahead), start=1):
        _move(pg, name, value, seq=2 * seq)
        real, real_buffers = _frames(sent)[-1]
        assert real["state"] == content["state"] and real["epoch"] == content["epoch"]
        assert real["ops"] == content["ops"] and real_buffers == buffers
        _move(pg, name, original[name], seq=2 * seq + 1)
