"""Set-up files agree with each other, and the shipped data is what its script makes."""

import re

from helpers.author import build


def _requirements(text):
    return sorted(line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def test_environment_yml_lists_the_requirements():
    requirements = _requirements((build.ROOT / "requirements.txt").read_text())
    pip_section = (build.ROOT / "environment.yml").read_text().split("- pip:")[1]
    conda_pip = sorted(re.sub(r"^\s*-\s*", "", line).strip() for line in pip_section.splitlines() if line.strip())
    assert conda_pip == requirements


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
