"""Kernel memory over 1000 slider moves per playground: resident memory must not creep.

Each playground is built in a fresh process with a stand-in browser view (the
live path: compute, move artists, record the frame), its first slider swept
back and forth 1000 times; resident memory (RSS, from /proc) is read after 50
moves and after all 1000. Target: within 10 % of the value after 50.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAYGROUNDS = {
    "01 landscape": "from lesson_lib.playground.landscape import LandscapePlayground as P; pg = P(x, y)",
    "02 depth": "from lesson_lib.playground.depth import DepthPlayground as P; pg = P(x, y)",
    "03 learning rate": "from lesson_lib.playground.learning_rate import LearningRatePlayground as P; pg = P(x, y)",
    "04 depth × lr": ("from lesson_lib.playground.depth_lr import DepthLRPlayground as P\n"
                      "from lesson_lib import narrow_sweep, nets\n"
                      "import numpy as np\n"
                      "r = narrow_sweep.depth_lr_sweep(np.arange(1, 51), np.geomspace(1e-3, 1, 200), init=0.9,"
                      " steps=1000, x=x, y=y)\n"
                      "pg = P(r, nets.narrow_solution(x, y).loss + 1e-3, depth=10, lr=0.01)"),
    "05 initialization": "from lesson_lib.playground.initialization import InitializationPlayground as P; pg = P()",
    "06 optimizer race": "from lesson_lib.playground.optimizers import OptimizerRacePlayground as P; pg = P()",
    "06 mini-batch": "from lesson_lib.playground.optimizers import MiniBatchPlayground as P; pg = P()",
    "07 schedules": "from lesson_lib.playground.schedules import SchedulePlayground as P; pg = P()",
    "08 step size": "from lesson_lib.playground.gradcheck import StepSizePlayground as P; pg = P()",
    "09 babysitting": ("from lesson_lib.playground.babysitting import BabysittingPlayground as P\n"
                       "from lesson_lib import monitor\n"
                       "pg = P(monitor.load_digits_split(1000, 500))"),
    "10 search budget": ("from lesson_lib.playground.search import SearchBudgetPlayground as P\n"
                         "pg = P(seeds=6, max_budget=25)"),
    "10 Bayesian step": ("from lesson_lib.playground.search import BayesStepPlayground as P\n"
                         "pg = P(n_iter=12, n_init=2)"),
}

CHILD = """
import json, os, sys
import matplotlib; matplotlib.use("Agg")
import jax, ipywidgets as widgets
from benchmarks.timing import open_view
from lesson_lib.data import linear_regression_data
x, y = linear_regression_data(key=jax.random.key(0))
{build}
open_view(pg)
name, control = next((n, c) for n, c in pg.controls.items()
                     if isinstance(c, (widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntSlider)))
low, high = control.min, control.max
def value(i):
    t = (i % 40) / 39
    v = low + (high - low) * (t if (i // 40) % 2 == 0 else 1 - t)
    return (10 ** v if isinstance(control, widgets.FloatLogSlider) else v)
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
for i in range(1000):
    v = value(i)
    control.value = int(round(v)) if isinstance(control, widgets.IntSlider) else float(v)
    if i == 49:
        after_50 = rss_mb()
print(json.dumps({{"slider": name, "after_50": after_50, "after_1000": rss_mb(),
                   "errors": repr(pg.last_error)}}))
"""


def measure(build: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(build=build)], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(only: list[str] | None = None) -> str:
    """The table for every playground, or for those whose name starts with one of `only`."""
    lines = ["## Kernel memory over 1000 slider moves", "",
             "Resident memory of a fresh kernel-like process, its playground's first slider swept "
             "1000 times over its range with a stand-in browser view (target: within 10 % of the "
             "value after 50 moves).", "",
             "| playground | slider | RSS after 50 | after 1000 | change | |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for name, build in PLAYGROUNDS.items():
        if only and not any(name.startswith(prefix) for prefix in only):
            continue
        try:
            m = measure(build)
        except subprocess.CalledProcessError as error:  # one broken row must not hide the others
            lines.append(f"| {name} | — | failed: {error.stderr.strip().splitlines()[-1][:120]} | | | |")
            continue
        change = m["after_1000"] / m["after_50"] - 1
        lines.append(f"| {name} | {m['slider']} | {m['after_50']:.0f} MiB | {m['after_1000']:.0f} MiB "
                     f"| {100 * change:+.1f} % | {'ok' if change <= 0.10 else 'over'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="playgrounds whose name starts with this (e.g. 08 10)")
    print(run(parser.parse_args().only))
