"""Make the student edition and the app edition of the lessons from the instructor notebooks.

Usage: python tools/editions.py student notebooks/*.ipynb --out student
       python tools/editions.py app notebooks/*.ipynb --out build/app

The notebooks in notebooks/ are the instructor edition (run `tools/tag_notebooks.py` on them
first: it sets the tags used here). Both editions are made by nbconvert's
`TagRemovePreprocessor` and `ClearOutputPreprocessor`; nothing here rewrites a cell.

- student: the cells tagged `solution` (the worked solutions and their headings) and
  `instructor` (time plan, discussion notes) removed, outputs cleared. The exercise templates
  stay as they are (`raise NotImplementedError`, or `"?"` answers), so every checker call is still
  there and answers a blank exercise with "Not implemented yet".
- app: what Voilà serves (`make app`): the instructor notes and the exercise templates removed;
  the solution code cells kept (later cells use what they define; Voilà shows no code anyway),
  their markdown headings removed; outputs cleared (Voilà executes the notebook); the badge line
  removed from the first cell (Voilà 0.5.13 cannot render markdown images).
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor, TagRemovePreprocessor

STUDENT_REMOVES = frozenset({"solution", "instructor"})
APP_REMOVES = frozenset({"instructor", "exercise"})
BADGE = "colab-badge.svg"


class _AppTagRemove(TagRemovePreprocessor):
    """`TagRemovePreprocessor` that also removes the markdown cells tagged `solution` (their code stays)."""

    def check_cell_conditions(self, cell, resources, index):
        if cell.cell_type == "markdown" and "solution" in cell.metadata.get("tags", []):
            return False
        return super().check_cell_conditions(cell, resources, index)


class _DropBadges(Preprocessor):
    """Remove the Colab/Binder badge line from markdown: meaningless in an app, and Voilà 0.5.13 fails
    to render a markdown image that its exporter tries to inline (an async contents manager)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and BADGE in cell.source:
            cell.source = "\n".join(l for l in cell.source.split("\n") if BADGE not in l)
        return cell, resources


def exporter(edition: str) -> NotebookExporter:
    """The nbconvert exporter that writes one edition ("student" or "app")."""
    if edition == "student":
        remove = TagRemovePreprocessor(remove_cell_tags=set(STUDENT_REMOVES), enabled=True)
    elif edition == "app":
        remove = _AppTagRemove(remove_cell_tags=set(APP_REMOVES), enabled=True)
    else:
        raise ValueError(f"edition must be 'student' or 'app', got {edition!r}")
    ex = NotebookExporter()
    ex.register_preprocessor(remove, enabled=True)
    ex.register_preprocessor(ClearOutputPreprocessor(enabled=True), enabled=True)
    if edition == "app":
        ex.register_preprocessor(_DropBadges(enabled=True), enabled=True)
    return ex


def build(edition: str, notebooks, out: Path) -> list[Path]:
    """Write `edition` of each notebook into `out`; returns the files written."""
    ex, written = exporter(edition), []
    out.mkdir(parents=True, exist_ok=True)
    for path in map(Path, notebooks):
        nb = nbformat.read(path, as_version=4)
        body, _ = ex.from_notebook_node(nb)
        target = out / path.name
        target.write_text(body)
        written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("edition", choices=["student", "app"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    for target in build(args.edition, args.notebooks, args.out):
        print(f"{args.edition} edition: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
