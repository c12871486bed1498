"""Episode 02 in the full profile: its data need no download, so CI runs the real course's numbers."""

import pytest

from helpers.author import build
from tests.support.notebook_runs import execute


@pytest.mark.full_profile
def test_solution_in_full_profile(tmp_path):
    nb, records = execute(build.VERSIONS["solution"] / "02-blobs.ipynb", tmp_path, "full")
    assert records and {r["status"] for r in records} == {"correct"}
    first_output = "".join(o.get("text", "") for o in nb.cells[[c.cell_type for c in nb.cells].index("code")].outputs)
    assert "Course profile 'full'" in first_output
