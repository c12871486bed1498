"""The package's layers hold: `lint-imports` keeps pyproject.toml's contracts, and breaks on a new upward import.

``helpers.learner`` is the floor: what a learner's notebook imports must not reach the authors' or
instructors' tools, and no module may import itself back through others. import-linter reads every
import, those inside functions too; the tests below inject such an import into a copy of the
package and check that the contract breaks.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.learner.paths import ROOT

LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
needs_import_linter = pytest.mark.skipif(
    LINT_IMPORTS is None, reason="import-linter is not installed (.ci/run installs it: pip install import-linter)")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the package in ``where``, with the contracts of its pyproject.toml."""
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120,
                          env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(where)})


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "helpers", tmp_path / "helpers", ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def inject(path: Path, code: str) -> None:
    """Append a function holding ``code`` to ``path``: a late import, the kind that hides best."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _injected():\n    {code}\n", encoding="utf-8")


@needs_import_linter
def test_the_import_contracts_are_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


@needs_import_linter
@pytest.mark.parametrize("module, code, broken", [
    ("learner/profile.py", "from helpers.instructor import bundle",  # upward, and late: inside a function
     ["helpers.learner.profile -> helpers.instructor.bundle", "imports nothing from the layers above it BROKEN"]),
    ("author/publishing.py", "from helpers.author import build",  # build imports publishing: a cycle
     ["No cycles are allowed in helpers.author"]),
], ids=["upward import", "import cycle"])
def test_a_new_import_that_breaks_a_rule_fails(tmp_path, module, code, broken):
    where = copy_of_the_package(tmp_path)
    inject(where / "helpers" / module, code)
    done = lint_imports(where)
    assert done.returncode == 1, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert all(text in said for text in broken), done.stdout


def test_no_module_imports_itself_back():
    """Module by module (the contract above looks at packages): no import leads, through others, back to its importer."""
    grimp = pytest.importorskip("grimp")  # import-linter's own graph
    graph = grimp.build_graph("helpers")
    cycles = [(importer, imported) for importer in sorted(graph.modules)
              for imported in sorted(graph.find_modules_directly_imported_by(importer))
              if graph.chain_exists(importer=imported, imported=importer)]
    assert cycles == []
