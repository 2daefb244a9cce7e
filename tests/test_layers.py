"""The layering rule: math and exercise modules load neither matplotlib nor the widget stack.

So `import lesson_lib.train` works in a plain script, a test or a GPU job, and
stays fast. The imports run in a fresh interpreter.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import lesson_lib
import lesson_lib.exercises

ROOT = Path(__file__).resolve().parent.parent
DRAWING = ("lesson_lib.plots", "lesson_lib.playground", "lesson_lib.server")
MATH = sorted(f"lesson_lib.{m.name}" for m in pkgutil.iter_modules(lesson_lib.__path__)
              if not m.name.startswith("_") and f"lesson_lib.{m.name}" not in DRAWING and m.name != "exercises")
EXERCISES = sorted(f"lesson_lib.exercises.{m.name}" for m in pkgutil.iter_modules(lesson_lib.exercises.__path__))


@pytest.mark.slow
def test_importing_loads_no_plotting_or_widgets():
    # One fresh interpreter imports the modules one by one and names the first that pulls
    # in a drawing package (after that, later modules could not be told apart).
    probe = (
        "import importlib, sys\n"
        "for module in sys.argv[1:]:\n"
        "    importlib.import_module(module)\n"
        "    loaded = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'anywidget') if m in sys.modules]\n"
        "    if loaded:\n"
        "        sys.exit(f'{module} pulls in {loaded}')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *MATH, *EXERCISES], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


def test_every_public_module_lists_its_names():
    for module in MATH + EXERCISES:
        mod = __import__(module, fromlist=["__all__"])
        assert hasattr(mod, "__all__"), f"{module} has no __all__"
        missing = [name for name in mod.__all__ if not hasattr(mod, name)]
        assert not missing, f"{module}.__all__ names what it lacks: {missing}"


def test_the_lists_are_not_empty():
    assert "lesson_lib.train" in MATH and "lesson_lib.gradcheck" in MATH
    assert "lesson_lib.exercises.narrow_net" in EXERCISES
