"""Tag the instructor notebooks and add their classroom cells, idempotently.

Usage: python tools/tag_notebooks.py [--check] notebooks/*.ipynb [--readme README.md]

The lessons in notebooks/ are the instructor edition; `tools/editions.py` makes the others from
them. This script prepares each lesson for that, keyed on content so it can be rerun after any edit
(it never duplicates a cell, and a second run changes nothing):

- tags `solution` on every worked solution: a code cell that starts with `# Solution`, or follows a
  markdown cell that starts with "**Solution**" / "### Solution" (that markdown cell too);
- tags `exercise` on each solution's template: the nearest code cell before it that calls one of
  the same `check_*` checkers (the cell the student fills in; it stays in the student edition);
- inserts one instructor-only markdown cell (tagged `instructor`) after the first cell: a plan for
  a 50-minute recitation computed from the lesson's section timings, and the discussion notes of
  `tools/instructor_notes.py`;
- puts a line of Colab and Binder badges in the first cell, under the lesson's length;
- inserts a first code cell that installs lesson_lib where it is missing (Colab, Binder, any
  Jupyter), pinned to `REF` of `REPOSITORY`;
- with --readme, writes the same badges under the README's title.

It never executes a notebook. --check changes nothing and exits 1 if a file would change.

`REPOSITORY` and `REF` below are the one place that names where the lessons are published: the
badges and every install cell are made from them. Change them here and rerun the script.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instructor_notes import NOTES  # noqa: E402

# Where the lessons are published (GitHub owner/name) and the tag, branch or commit the badges and
# install cells use: a release tag keeps a notebook and the library it installs in step.
REPOSITORY = "lesson-lib/lesson_lib"
REF = "v0.1.0"

INSTALL_MARKER = "# Zero install:"
INSTALL_ID = "zero-install"
NOTES_ID = "instructor-notes"
NOTES_MARKER = "**For the instructor"
BADGE_MARKER = "colab-badge.svg"
RECITATION_MIN = 50

SECTION = re.compile(r"^## (?:(\d+) · )?(.+?) \(≈ (\d+) min\)\s*$", re.M)
SOLUTION_HEADING = re.compile(r"^\s*(\*\*Solution\*\*|#+ Solution\b)")
CHECKER_CALL = re.compile(r"\b(check_\w+)\s*\(")


def colab_url(notebook: str) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{REF}/notebooks/{notebook}"


def binder_url(notebook: str | None = None) -> str:
    url = f"https://mybinder.org/v2/gh/{REPOSITORY}/{REF}"
    return url + (f"?labpath=notebooks%2F{notebook}" if notebook else "?labpath=notebooks")


def badges(notebook: str | None) -> str:
    colab = colab_url(notebook or "01_narrow_linear_network.ipynb")
    return (f"[![Open in Colab](https://colab.research.google.com/assets/{BADGE_MARKER})]({colab}) "
            f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(notebook)})")


def install_source() -> str:
    return (
        f"{INSTALL_MARKER} on Colab, Binder or any Jupyter without lesson_lib, install the tested version.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("lesson_lib") is None:\n'
        f'    %pip install --quiet "lesson_lib[notebook] @ git+https://github.com/{REPOSITORY}@{REF}"'
    )


def sections(nb) -> list[tuple[str | None, str, int]]:
    """The lesson's `## N · Title (≈ M min)` sections: (number or None, title, minutes)."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found += [(n or None, title, int(m)) for n, title, m in SECTION.findall(cell.source)]
    return found


def plan_markdown(lesson: str, nb) -> str:
    """The instructor cell: a 50-minute plan from the section timings, then the discussion notes."""
    notes = NOTES.get(lesson, {})
    homework = {str(n) for n in notes.get("homework", [])}
    parts = sections(nb)
    total = sum(m for *_, m in parts)
    lines = [f"{NOTES_MARKER} (removed from the student edition).** The lesson takes about {total} minutes.",
             "", f"*A {RECITATION_MIN}-minute recitation:*", ""]
    clock, left_out = 0, []
    for number, title, minutes in parts:
        name = f"§{number} {title}" if number else title
        if number in homework:
            left_out.append(name)
            continue
        lines.append(f"- {clock}–{clock + minutes} min: {name}")
        clock += minutes
    if clock < RECITATION_MIN:
        lines.append(f"- {clock}–{RECITATION_MIN} min: questions, or the class's predictions compared")
    if left_out:
        lines += ["", "As reading or homework: " + "; ".join(left_out) + "."]
    if clock > RECITATION_MIN:
        lines += ["", f"⚠️ The sections kept take {clock} minutes: choose more to leave out."]
    if notes.get("questions"):
        lines += ["", "*Discussion* (what to listen for):", ""]
        lines += [f"{i}. {q} — *{a}*" for i, (q, a) in enumerate(notes["questions"], 1)]
    if notes.get("misconceptions"):
        lines += ["", "*Usual misconceptions:*", ""] + [f"- {m}" for m in notes["misconceptions"]]
    return "\n".join(lines)


def _add_tag(cell, tag: str) -> bool:
    tags = cell.metadata.setdefault("tags", [])
    if tag in tags:
        return False
    tags.append(tag)
    return True


def _is_solution(cells, i) -> bool:
    cell = cells[i]
    if "solution" in cell.metadata.get("tags", []):
        return True
    if cell.cell_type == "markdown":
        return bool(SOLUTION_HEADING.match(cell.source))
    previous = cells[i - 1] if i else None
    return cell.source.lstrip().startswith("# Solution") or bool(
        previous is not None and previous.cell_type == "markdown" and SOLUTION_HEADING.match(previous.source))


def tag_exercises(nb) -> list[str]:
    """Tag solutions `solution` and their templates `exercise`; returns what changed."""
    cells, changes = nb.cells, []
    for i, cell in enumerate(cells):
        if not _is_solution(cells, i):
            continue
        if _add_tag(cell, "solution"):
            changes.append(f"cell {i}: solution")
        if cell.cell_type != "code":
            continue
        checkers = set(CHECKER_CALL.findall(cell.source))
        for j in range(i - 1, -1, -1):
            other = cells[j]
            if other.cell_type == "code" and not _is_solution(cells, j) and checkers & set(
                    CHECKER_CALL.findall(other.source)):
                if _add_tag(other, "exercise"):
                    changes.append(f"cell {j}: exercise")
                break
    return changes


def _find(cells, cell_id: str, marker: str):
    return [i for i, c in enumerate(cells) if c.get("id") == cell_id or c.source.lstrip().startswith(marker)]


def _put_cell(nb, index: int, cell_id: str, marker: str, make) -> str | None:
    """Make sure exactly one cell keyed by `cell_id`/`marker` sits at `index`, with fresh content."""
    found = _find(nb.cells, cell_id, marker)
    wanted = make()
    wanted.id = cell_id
    tags = wanted.metadata.get("tags", [])
    if found == [index]:  # in place: keep whatever else the cell has (outputs, metadata)
        cell = nb.cells[index]
        if cell.source == wanted.source and cell.metadata.get("tags", []) == tags and cell.get("id") == cell_id:
            return None
        cell.source, cell.id = wanted.source, cell_id
        if tags:
            cell.metadata["tags"] = tags
        return f"{cell_id} updated"
    for i in reversed(found):
        del nb.cells[i]
    nb.cells.insert(index, wanted)
    return f"{cell_id} at {index}"


def put_badges(nb, notebook: str) -> str | None:
    first = nb.cells[0]
    line = badges(notebook)
    lines = first.source.split("\n")
    if any(BADGE_MARKER in l for l in lines):
        new = "\n".join(line if BADGE_MARKER in l else l for l in lines)
    else:
        at = next((i for i, l in enumerate(lines) if re.match(r"^\*About \d+ minutes\.\*", l)), 0)
        new = "\n".join(lines[:at + 1] + ["", line] + ([""] if at + 1 < len(lines) and lines[at + 1] else [])
                        + lines[at + 1:])
    if new == first.source:
        return None
    first.source = new
    return "badges"


def prepare(nb, notebook: str) -> list[str]:
    """All the changes for one lesson, applied to `nb` in place; returns what changed."""
    lesson = notebook[:2]
    changes = tag_exercises(nb)
    changes.append(put_badges(nb, notebook))
    changes.append(_put_cell(nb, 1, NOTES_ID, NOTES_MARKER, lambda: nbformat.v4.new_markdown_cell(
        plan_markdown(lesson, nb), metadata={"tags": ["instructor"]})))
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    changes.append(_put_cell(nb, first_code, INSTALL_ID, INSTALL_MARKER,
                             lambda: nbformat.v4.new_code_cell(install_source())))
    return [c for c in changes if c]


def update_readme(text: str) -> str:
    """The README with the badge line right under its title (replaced if present)."""
    lines = text.split("\n")
    line = badges(None)
    if any(BADGE_MARKER in l for l in lines):
        return "\n".join(line if BADGE_MARKER in l else l for l in lines)
    return "\n".join(lines[:1] + ["", line] + lines[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--readme", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    dirty = False
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        before = json.dumps(nb, sort_keys=True)
        changes = prepare(nb, path.name)
        if path.name[:2] not in NOTES:
            print(f"{path}: no discussion notes in tools/instructor_notes.py yet (plan only)")
        if json.dumps(nb, sort_keys=True) == before:
            continue
        dirty = True
        print(f"{path}: {', '.join(changes)}")
        if not args.check:
            nbformat.write(nb, path)
    if args.readme:
        text = args.readme.read_text()
        new = update_readme(text)
        if new != text:
            dirty = True
            print(f"{args.readme}: badges")
            if not args.check:
                args.readme.write_text(new)
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
