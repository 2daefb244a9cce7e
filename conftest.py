"""pytest configuration for the whole repository: the kernel that strict nbval runs the lessons in.

`make test` checks the lessons' outputs with `--nbval-kernel-name lesson-lib-other-isa`:
this environment's Python, with XLA told to generate code for an older
instruction set (SSE4.2). That moves the last bits of float results as another
machine would, so an output that passes here holds on other CPUs, not only on
the one that wrote it. The unit tests of the same run keep this machine's
instruction set. The kernel spec lives in a temporary folder put first on
`JUPYTER_PATH` for the run; nothing is installed.

Every test and doctest ends with pyplot's figures closed, so that no test sees (or is warned
about) the figures of the tests before it.
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

OTHER_ISA_KERNEL = "lesson-lib-other-isa"


def pytest_configure(config):
    if getattr(config.option, "nbval_kernel_name", None) != OTHER_ISA_KERNEL:
        return
    # The flags are the Makefile's (OTHER_ISA_FLAGS), the one place they are written.
    flags = os.environ.get("LESSON_LIB_OTHER_ISA_FLAGS")
    if not flags:
        raise pytest.UsageError(f"--nbval-kernel-name {OTHER_ISA_KERNEL} needs LESSON_LIB_OTHER_ISA_FLAGS "
                                "(the XLA flags of that kernel); `make test` sets it")
    folder = Path(tempfile.mkdtemp(prefix="lesson-lib-kernels-"))
    spec = folder / "kernels" / OTHER_ISA_KERNEL
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python 3 (XLA_FLAGS={flags})",
        "language": "python",
        "env": {"XLA_FLAGS": flags},  # added to the environment the kernel inherits
    }))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("JUPYTER_PATH")]))
    config._lesson_lib_kernels = folder


def pytest_unconfigure(config):
    folder = getattr(config, "_lesson_lib_kernels", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")  # only where a test used it
    if pyplot is not None:
        pyplot.close("all")
