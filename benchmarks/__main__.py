"""Run every benchmark module and write BENCHMARKS.md.

Each `benchmarks/bench_*.py` exposes `run() -> str`, a Markdown section.
`python -m benchmarks [name ...]` runs only the named modules and prints their
sections without rewriting BENCHMARKS.md (useful while working on one).
"""

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

import jax

import benchmarks

ROOT = Path(__file__).resolve().parent.parent


def header() -> str:
    devices = ", ".join(sorted({f"{d.platform}:{d.device_kind}" for d in jax.devices()}))
    return (
        "# Benchmarks\n\n"
        "Written by `make bench` (`python -m benchmarks`); do not edit by hand.\n\n"
        f"- machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores; Python {platform.python_version()}\n"
        f"- JAX {jax.__version__}, devices: {devices}\n"
        f"- date: {time.strftime('%Y-%m-%d')}\n"
        + ("" if any(d.platform == "gpu" for d in jax.devices()) else
           "- no GPU in this run, so the GPU figures (sweep target >= 5 billion steps/s, interactive "
           "speed on a GPU) are not measured: run `make bench` where JAX sees a GPU\n")
    )


def main(names):
    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    chosen = [m for m in modules if not names or m in names or m.removeprefix("bench_") in names]
    sections = []
    for name in chosen:
        start = time.perf_counter()
        try:
            section = importlib.import_module(f"benchmarks.{name}").run()
        except Exception as error:  # one broken benchmark must not hide the others' figures
            section = f"## {name}\n\nThis benchmark failed: {type(error).__name__}: {str(error)[:300]}\n"
        print(section, flush=True)
        print(f"({name} took {time.perf_counter() - start:.0f} s)\n", file=sys.stderr, flush=True)
        sections.append(section)
    if not names:
        extra = ROOT / "benchmarks" / "gpu.md"
        gpu = "\n" + extra.read_text() if extra.exists() else ""
        (ROOT / "BENCHMARKS.md").write_text(header() + "\n" + "\n".join(sections) + gpu)
        print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main(sys.argv[1:])
