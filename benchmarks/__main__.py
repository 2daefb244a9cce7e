"""Run every benchmark module and write BENCHMARKS.md.

Each `benchmarks/bench_*.py` exposes `run() -> str`, a Markdown section.
`python -m benchmarks [name ...]` runs only the named modules and prints their
sections without rewriting BENCHMARKS.md (useful while working on one);
`python -m benchmarks --update name ...` also puts their new sections in place
of the old ones in BENCHMARKS.md (matched by their first heading) and adds the
date of that run to the header, leaving the other sections as they were.
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
    return sections


def replace_sections(text: str, sections: list[str], date: str) -> str:
    """`text` (BENCHMARKS.md) with each section put in place of the one with the same first heading."""
    for section in sections:
        heading = section.lstrip().splitlines()[0]
        start = text.find(heading + "\n")
        if start < 0:
            raise SystemExit(f"no section {heading!r} in BENCHMARKS.md to update: run make bench")
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section.strip() + "\n" + (text[end:] if end >= 0 else "")
        note = f"- re-measured on {date}: {heading.removeprefix('## ')}\n"
        text = text.replace("\n\n## ", "\n" + note + "\n## ", 1) if note not in text else text
    return text


def write_all(sections) -> None:
    """BENCHMARKS.md: the header, every section, and the GPU figures kept in benchmarks/gpu.md."""
    extra = ROOT / "benchmarks" / "gpu.md"
    gpu = "\n" + extra.read_text() if extra.exists() else ""
    (ROOT / "BENCHMARKS.md").write_text(header() + "\n" + "\n".join(sections) + gpu)
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--update"]:
        new = main(arguments[1:])
        path = ROOT / "BENCHMARKS.md"
        path.write_text(replace_sections(path.read_text(), new, time.strftime("%Y-%m-%d")))
        print("updated BENCHMARKS.md")
    else:
        sections = main(arguments)
        if not arguments:
            write_all(sections)
