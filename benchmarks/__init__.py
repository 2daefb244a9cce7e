"""Speed figures for lesson_lib: `make bench` runs every `bench_*.py` here and writes BENCHMARKS.md."""
