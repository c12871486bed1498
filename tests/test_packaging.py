"""Set-up files agree with each other, and the shipped data is what its script makes."""

import re

from helpers.author import build


def _requirements(path):
    from packaging.requirements import Requirement

    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]


def _lock():
    """requirements.lock as {normalised name: [(version, marker or None)]}; every line must be a pin."""
    from packaging.markers import Marker
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (build.ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line == "-e .":
            continue
        requirement, _, marker = line.partition(" ; ")
        name, sep, version = requirement.partition("==")
        assert sep and re.fullmatch(r"[\w.+!]+", version), f"requirements.lock: not an exact pin: {line}"
        pins.setdefault(canonicalize_name(name.split("[")[0]), []).append((version, Marker(marker) if marker else None))
    return pins


def test_lock_pins_every_requirement_within_its_range():
    """The lock is what installs; requirements.txt and pyproject.toml are the ranges. A requirement added or
    narrowed without running .ci/lock fails here."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = _lock()
    project = tomllib.loads((build.ROOT / "pyproject.toml").read_text())["project"]
    wanted = _requirements(build.ROOT / "requirements.txt") + [Requirement(r) for r in project["dependencies"]]
    env = {"python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux",
           "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    for requirement in wanted:
        versions = [v for v, marker in pins.get(canonicalize_name(requirement.name), ())
                    if marker is None or marker.evaluate(env)]
        assert versions, f"{requirement.name} is not pinned in requirements.lock: run .ci/lock"
        assert all(requirement.specifier.contains(v, prereleases=True) for v in versions), \
            f"requirements.lock pins {requirement.name}=={versions} outside {requirement}: run .ci/lock"
    for tool in ("pytest", "pytest-xdist", "nbval", "pluggy", "ipykernel", "execnet"):  # test tools pinned too
        assert canonicalize_name(tool) in pins, tool


def test_environment_yml_installs_the_lock():
    pip_section = (build.ROOT / "environment.yml").read_text().split("- pip:")[1]
    conda_pip = [re.sub(r"^\s*-\s*", "", line).strip() for line in pip_section.splitlines()
                 if line.strip() and not line.strip().startswith("#")]
    assert conda_pip == ["-r requirements.lock"]
    assert "-e ." in (build.ROOT / "requirements.lock").read_text().splitlines()


def test_readme_installs_from_the_lock_and_ci_does_too():
    readme = (build.ROOT / "README.md").read_text()
    assert re.search(r"^pip install -r requirements\.lock", readme, re.M)
    assert not re.search(r"^pip install -r requirements\.txt", readme, re.M)
    assert "pip install --quiet -r requirements.lock" in (build.ROOT / ".ci" / "run").read_text()


def test_data_csvs_are_what_make_data_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", build.ROOT / "data" / "make_data.py")
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    make_data.main(tmp_path)
    for name in ("iris.csv", "iris_cost.csv"):
        assert (tmp_path / name).read_text() == (build.ROOT / "data" / name).read_text(), name


def test_iris_cost_noise_is_as_documented():
    import numpy as np

    from helpers.learner.data import load_iris_cost
    from helpers.learner.data.iris_cost import NOISE_SD, cost_formula

    cost = load_iris_cost()
    residual = cost["cost"] - cost_formula(cost)
    assert len(cost) == 300 and abs(residual.std() - NOISE_SD) < 0.06 and abs(residual.mean()) < 0.08
    assert np.isfinite(cost.to_numpy()).all()
