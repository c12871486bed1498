"""A plain (non-editable) install of the course works from any folder: what it reads at run time is in the wheel.

Colab's set-up cell and `pip install git+https://...` install a wheel, not the clone: there is no
repository ``data/`` folder beside it. These tests build the wheel as pip would, install it (no
dependencies: they come from this environment) into a folder of its own and use it from another.
"""

import subprocess
import sys
import tomllib
import zipfile

import pytest

from helpers.author import build

PYPROJECT = tomllib.loads((build.ROOT / "pyproject.toml").read_text())


def test_the_package_list_is_every_folder_of_helpers():
    """pyproject.toml lists the packages by hand (a mapped one cannot be found): a new sub-package must be added."""
    on_disk = {".".join(p.parent.relative_to(build.ROOT).parts) for p in (build.ROOT / "helpers").rglob("__init__.py")}
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert set(setuptools["packages"]) == on_disk | {"helpers.learner.data.course_files"}
    assert setuptools["package-dir"] == {"helpers.learner.data.course_files": "data"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(build.ROOT)]
    try:  # the build back-end from this environment when it has one (no index needed), else pip's isolated build
        import setuptools
        from packaging.version import Version

        if Version(setuptools.__version__) >= Version("77"):
            command.insert(4, "--no-build-isolation")
    except ImportError:
        pass
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = out.glob("*.whl")
    return path


def test_the_wheel_carries_what_is_read_at_run_time(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"helpers/learner/data/course_files/{f.name}" for f in (build.ROOT / "data").glob("*.csv")}
    expected |= {f"helpers/learner/exercises/answers/{f.name}"
                 for f in (build.ROOT / "helpers/learner/exercises/answers").glob("*.json")}
    expected |= {f"helpers/instructor/live_room/static/{f.name}"
                 for f in (build.ROOT / "helpers/instructor/live_room/static").iterdir()}
    assert len(expected) >= 2 + 4 + 3 and expected <= names, sorted(expected - names)
    for name in ("iris.csv", "iris_cost.csv"):  # the same bytes as the one source, data/
        assert zipfile.ZipFile(wheel).read(f"helpers/learner/data/course_files/{name}") == \
            (build.ROOT / "data" / name).read_bytes()


def test_an_installed_wheel_loads_iris_the_answers_and_the_room_page_from_another_folder(wheel, tmp_path):
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                             "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    probe = (
        "import helpers, pathlib\n"
        "from helpers.learner.data import COURSE_DATA, load_iris, load_iris_cost\n"
        "from helpers.learner.exercises import iris_cost as ex\n"
        "from helpers.instructor.live_room.app import STATIC\n"
        "print(pathlib.Path(helpers.__file__).resolve().parent.parent)\n"
        "print(COURSE_DATA)\n"
        "print(len(load_iris()), len(load_iris_cost()), bool(ex.transfer_head.solution_code), (STATIC / 'instructor.html').is_file())\n"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=elsewhere,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    installed, data, counts = result.stdout.strip().splitlines()[-3:]
    assert installed == str(target.resolve()), "the wheel's helpers, not the clone's"
    assert data == str(target.resolve() / "helpers/learner/data/course_files")
    assert counts == "150 300 True True"
