"""Zero install: the badges and install cell of every lesson, the inline fallback, the Binder build files."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import tag_notebooks  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PIN = f"lesson_lib[notebook] @ git+https://github.com/{tag_notebooks.REPOSITORY}@{tag_notebooks.REF}"


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _setup_cells(path):
    """A lesson's install cell and its first cell that calls setup_notebook()."""
    code = [c for c in _cells(path) if c.cell_type == "code"]
    setup = next(c for c in code if "setup_notebook(" in c.source)
    return code[0], setup


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_every_lesson_starts_with_badges_and_the_pinned_install_cell(path):
    cells = _cells(path)
    assert f"({tag_notebooks.colab_url(path.name)})" in cells[0].source
    assert f"({tag_notebooks.binder_url(path.name)})" in cells[0].source
    first_code = next(c for c in cells if c.cell_type == "code")
    assert first_code.id == tag_notebooks.INSTALL_ID
    assert PIN in first_code.source and first_code.outputs == []


def test_readme_has_the_badges():
    readme = (ROOT / "README.md").read_text()
    assert tag_notebooks.badges(None) in readme
    assert "make lab" in readme.split("\n\n## ")[0] and "make test" in readme.split("\n\n## ")[0]


def _run(cells, timeout=300):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    return ["".join(o.get("text", "") for o in c.outputs if o.output_type == "stream") for c in nb.cells]


FAKE_PIP = """
import sys
from IPython import get_ipython
pip_calls = []
get_ipython().register_magic_function(lambda line: pip_calls.append(line), "line", "pip")
hidden, sys.modules["lesson_lib"] = sys.modules.get("lesson_lib"), None   # find_spec -> None
"""
REPORT = """
import matplotlib
print(json.dumps({"pip": pip_calls, "backend": backend, "matplotlib": matplotlib.get_backend()}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("ipympl_importable", [False, True], ids=["no ipympl", "ipympl"])
def test_setup_cell_installs_where_missing_and_falls_back_to_inline(ipympl_importable):
    """Lesson 01's first cells in a kernel where lesson_lib looks missing (the install magic is
    recorded, not run) and, in one of the two runs, ipympl cannot be imported."""
    install, setup = _setup_cells(LESSONS[0])
    block = "" if ipympl_importable else "sys.modules['ipympl'] = None  # import ipympl -> ImportError\n"
    outputs = _run([FAKE_PIP + block, install.source,
                    "sys.modules.pop('lesson_lib')\nimport json", setup.source, REPORT])
    report = json.loads(outputs[-1])
    assert report["pip"] == [f'install --quiet "{PIN}"']
    if ipympl_importable:
        assert report["backend"] == "ipympl" and report["matplotlib"] in ("widget", "module://ipympl.backend_nbagg")
    else:
        assert report["backend"] == "inline" and "inline" in report["matplotlib"]


def _env(path):
    spec = yaml.safe_load(path.read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    return spec, conda, pip


def test_binder_environment_has_the_root_pins_without_the_editable_install():
    root_spec, root_conda, root_pip = _env(ROOT / "environment.yml")
    spec, conda, pip = _env(ROOT / "binder" / "environment.yml")
    assert conda == root_conda and spec["channels"] == root_spec["channels"]
    assert pip == [p for p in root_pip if p != "-e ."]
    assert "-e ." in root_pip


def test_binder_postbuild_installs_the_package_and_the_server_extension_config(tmp_path):
    """Run binder/postBuild with a stand-in `python` that records pip and names a scratch prefix."""
    shims, prefix = tmp_path / "bin", tmp_path / "prefix"
    shims.mkdir()
    log = tmp_path / "python.log"
    (shims / "python").write_text(
        f'#!/bin/bash\necho "$@" >> {log}\n'
        f'if [ "$1" = -c ]; then echo {prefix}; fi\n')
    (shims / "python").chmod(0o755)
    env = dict(os.environ, PATH=f"{shims}:{os.environ['PATH']}")
    subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], cwd=ROOT, env=env, check=True)
    assert "-m pip install --no-deps -e ." in log.read_text().splitlines()
    installed = prefix / "etc/jupyter/jupyter_server_config.d/lesson_lib.json"
    source = ROOT / "jupyter-config/jupyter_server_config.d/lesson_lib.json"
    assert json.loads(installed.read_text()) == json.loads(source.read_text())
    assert json.loads(source.read_text())["ServerApp"]["jpserver_extensions"]["lesson_lib.server"] is True
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)


def test_the_install_pin_names_a_release_tag_of_this_package():
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert tag_notebooks.REF == f"v{version}"
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", tag_notebooks.REPOSITORY)
