"""The student edition (tools/editions.py) and the tagging that makes it (tools/tag_notebooks.py)."""

import ast
import copy
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402
from jupyter_browser import cell_tree  # noqa: E402
import tag_notebooks  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Executed in the student edition: lesson 01, the hardest case (later cells build on the learner's
# gradient: `yours_or_reference` hands them the library's until it passes). Every checker's polite
# answer to an unfinished exercise is unit-tested (tests/test_exercises_common.py) and the static
# checks below cover every lesson; executing more editions cost ~20 s each.
EXECUTED = ["01"]


def _tags(cell):
    return set(cell.metadata.get("tags", []))


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    editions.build("student", LESSONS, out)
    return {path.name[:2]: (nbformat.read(path, as_version=4), nbformat.read(out / path.name, as_version=4))
            for path in LESSONS}


@pytest.mark.slow
@pytest.mark.parametrize("lesson", [p.name[:2] for p in LESSONS])
def test_student_edition_drops_solutions_and_notes_and_keeps_every_checker(student, lesson):
    source, edition = student[lesson]
    kept = [c for c in source.cells if not _tags(c) & {"solution", "instructor"}]
    assert [c.source for c in edition.cells] == [c.source for c in kept]
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in edition.cells if c.cell_type == "code")
    assert any("solution" in _tags(c) for c in source.cells), "no solution tagged: run tools/tag_notebooks.py"
    assert sum("instructor" in _tags(c) for c in source.cells) == 1
    calls = lambda cells: {m for c in cells if c.cell_type == "code"
                           for m in tag_notebooks.CHECKER_CALL.findall(c.source)}
    assert calls(source.cells) == calls(edition.cells)
    templates = [c for c in edition.cells if "exercise" in _tags(c)]
    assert templates and all("NotImplementedError" in c.source or '"?"' in c.source for c in templates)


def _names(source):
    tree = cell_tree(source)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    top = {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AugAssign, ast.For))
           for t in ast.walk(n.targets[0] if isinstance(n, ast.Assign) else n.target) if isinstance(t, ast.Name)}
    return defined | top


def later_uses_of_solutions(nb) -> list[str]:
    """Names that a removed solution defines (or a template defines as a stub) and a later kept cell uses."""
    problems, cells = [], nb.cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or "solution" not in _tags(cell):
            continue
        for name in sorted(_names(cell.source)):
            users = (c for c in cells[i + 1:] if c.cell_type == "code" and not _tags(c) & {"solution", "exercise"}
                     and re.search(rf"\b{re.escape(name)}\b", c.source))
            first = next(users, None)  # the first later cell that mentions it: does it define it itself?
            if first is not None and name not in _names(first.source):
                problems.append(name)
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("lesson", [p.name[:2] for p in LESSONS])
def test_no_later_cell_needs_a_removed_solution(student, lesson):
    source, _ = student[lesson]
    assert later_uses_of_solutions(source) == []


@pytest.mark.slow
@pytest.mark.parametrize("lesson", EXECUTED)
def test_student_edition_runs_and_blank_exercises_answer_politely(student, lesson):
    _, edition = student[lesson]
    nb = copy.deepcopy(edition)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    for cell in (c for c in nb.cells if "exercise" in _tags(c)):
        text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert "Not implemented yet" in text or "❌" in text, cell.source


def _lesson(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    return nb


def _toy():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return _lesson([
        md("# Lesson 99 — Toy\n\n*About 60 minutes.*\n\n**By the end of this lesson you can** add."),
        code("from lesson_lib.playground import setup_notebook\nbackend = setup_notebook()"),
        md("## 1 · Adding (≈ 40 min)\n\nWrite it."),
        code("def add(a, b):\n    raise NotImplementedError\n\nprint(check_add(add))"),
        md("**Solution** (open the hidden cell)."),
        code("def add(a, b):\n    return a + b\n\nprint(check_add(add))"),
        md("## 2 · Subtracting (≈ 18 min)"),
        code("def sub(a, b):\n    raise NotImplementedError\ncheck_sub(sub)"),
        code("# Solution\ndef sub(a, b):\n    return a - b\ncheck_sub(sub)"),
        md("## Lessons for practice (≈ 2 min)\n\n- add."),
    ])


def test_tagging_finds_templates_and_solutions_and_is_idempotent():
    nb = _toy()
    changes = tag_notebooks.prepare(nb, "99_toy.ipynb")
    assert changes
    tags = [sorted(_tags(c)) for c in nb.cells]
    sources = [c.source.split("\n")[0] for c in nb.cells]
    assert tags[sources.index("def add(a, b):")] == ["exercise"]
    assert [t for t, s in zip(tags, sources) if s.startswith(("**Solution**", "# Solution"))] == [["solution"]] * 2
    assert sum(t == ["solution"] for t in tags) == 3
    assert nb.cells[1].id == tag_notebooks.NOTES_ID and tags[1] == ["instructor"]
    assert nb.cells[2].id == tag_notebooks.INSTALL_ID  # before the lesson's first code cell
    assert "colab-badge.svg" in nb.cells[0].source and nb.cells[0].source.startswith("# Lesson 99")
    snapshot = nbformat.writes(nb)
    assert tag_notebooks.prepare(nb, "99_toy.ipynb") == []
    assert nbformat.writes(nb) == snapshot
    nb.cells[3].source = nb.cells[3].source.replace("setup_notebook()", "setup_notebook()  # edited")
    nb.cells.insert(1, copy.deepcopy(nb.cells[1]))  # a duplicated notes cell is folded back into one
    tag_notebooks.prepare(nb, "99_toy.ipynb")
    assert sum(c.id == tag_notebooks.NOTES_ID for c in nb.cells) == 1
    assert sum(c.id == tag_notebooks.INSTALL_ID for c in nb.cells) == 1


def test_instructor_plan_fits_fifty_minutes_or_says_so():
    nb = _toy()
    plan = tag_notebooks.plan_markdown("99", nb)  # no notes for lesson 99: 60 minutes, nothing left out
    assert "about 60 minutes" in plan and "0–40 min: §1 Adding" in plan and "58–60 min: Lessons" in plan
    assert "⚠️" in plan
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        plan = tag_notebooks.plan_markdown(path.name[:2], nb)
        assert "⚠️" not in plan, path.name
        assert path.name[:2] in tag_notebooks.NOTES, f"{path.name}: no notes in tools/instructor_notes.py"


def test_committed_lessons_are_tagged_as_the_script_would_tag_them():
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        assert tag_notebooks.prepare(nb, path.name) == [], f"{path.name}: rerun tools/tag_notebooks.py"


def test_unknown_edition_is_refused():
    with pytest.raises(ValueError, match="edition must be 'student' or 'app'"):
        editions.exporter("teacher")
