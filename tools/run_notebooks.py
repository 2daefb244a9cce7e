"""Re-execute lesson notebooks in place so their committed outputs are machine-made.

Usage: python tools/run_notebooks.py notebooks/01_narrow_linear_network.ipynb [...]

Each notebook runs top to bottom in a fresh kernel of this environment, with
its own folder as working directory. Widget state is not stored in metadata
(strict nbval compares outputs, and the state would only bloat the file).
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
    ).execute()
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main(paths):
    for name in paths:
        seconds = run(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
