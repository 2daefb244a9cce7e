"""environment.yml (conda, Binder) must describe the same environment as pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins(requirements):
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(==|=)\s*([^\s;]+)", requirement.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(3)
    return pins


def _pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _pins(project["dependencies"] + project["optional-dependencies"]["notebook"])


def _environment_pins():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    return _pins(conda) | _pins(pip), conda, pip


def test_every_runtime_and_notebook_pin_is_in_environment_yml():
    env, _, _ = _environment_pins()
    env.pop("python")
    assert env == _pyproject_pins()


def test_environment_installs_the_package_and_a_supported_python():
    env, conda, pip = _environment_pins()
    assert "-e ." in pip
    python = next(d for d in conda if d.startswith("python="))
    assert tuple(int(p) for p in python.split("=")[1].split(".")) >= (3, 11)


def test_pins_parse():
    assert _pins(["jax==0.10.2", "numpy=2.4.6", "pip"]) == {"jax": "0.10.2", "numpy": "2.4.6"}
