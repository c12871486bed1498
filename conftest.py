"""Test-wide settings, applied before any notebook kernel starts (kernels inherit them).

The tests run the quick profile and write check results to a throwaway log,
never to the learner's own.
"""

import os
import tempfile

os.environ.setdefault("COURSE_PROFILE", "quick")
os.environ.setdefault("COURSE_RESULTS", os.path.join(tempfile.mkdtemp(prefix="course-results-"), "results.jsonl"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
