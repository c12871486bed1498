"""Helpers for the transfer-learning course.

Notebooks import from here what is not the lesson itself: the profile switch,
data loaders backed by Keras' own cache, plots, and the self-grading exercises.
Everything that *is* the lesson (building, freezing, training models) stays
in the notebooks, written with the public Keras API.

Importing this package also keeps library noise out of what learners read,
once, for every notebook and for the command line (``python -m helpers``):

* TensorFlow's C++ start-up log (absl's "before InitializeLog" notice, oneDNN,
  "Could not find cuda drivers", ``cpu_feature_guard``, ``cuInit ... (303)``)
  is written straight to the process's file descriptor 2 while TensorFlow is
  imported, before any Python setting can reach it. In JupyterLab that lands in
  the first cell as red stderr boxes, a learner's first impression of the
  course. So the first ``import tensorflow`` (usually inside ``import keras``)
  runs with descriptor 2 pointed at a temporary file; afterwards every line that
  is not known start-up noise is written back to stderr, so real errors still
  show. TensorFlow is not imported here: ``python -m helpers build`` stays fast.
* ``TF_CPP_MIN_LOG_LEVEL=2`` silences TensorFlow's later INFO and WARNING lines
  (errors still show); a value the user set wins.
* In a notebook, one friendly line says whether training runs on a GPU or the CPU.
* tqdm's "IProgress not found" warning is dropped: without ipywidgets its bars
  fall back to text, which is all a learner needs (ipywidgets is in the
  requirements, so JupyterLab normally shows widget bars).

For this to work a notebook must import ``helpers`` before ``keras`` or
``tensorflow`` (the episodes' set-up cells do; ``tests/notebooks/test_quiet.py`` checks
that no executed solution notebook writes to stderr).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import re
import sys
import tempfile
import warnings

__version__ = "1.0.0"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message="IProgress not found")

# One log record of TensorFlow/absl: "I0000 00:00:1795800876.264361    6293 port.cc:153] ...", or, before
# absl's log is set up, TensorFlow's own format (2.19, Colab's): "2026-12-03 17:01:47.472373: E external/...:467] ..."
_RECORD = re.compile(r"^(?:([IWEF])\d{4} [\d:.]+\s+\d+ |\d{4}-\d\d-\d\d [\d:.]+: ([IWEF]) )\S+:\d+\] ")
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# Errors TensorFlow logs on every machine without a (working) GPU, or twice by design; not the learner's.
_EXPECTED_ERRORS = re.compile(r"cuInit|cuda drivers|Unable to register cu(DNN|FFT|BLAS) factory|CUDA_ERROR_NO_DEVICE")


def without_start_up_noise(text: str) -> str:
    """``text`` (what TensorFlow wrote to stderr while importing) less its routine start-up log.

    INFO and WARNING records go, with their continuation lines, and so do the
    errors every CPU-only machine gets; any other line (an ERROR or FATAL record,
    a Python traceback, a message from another library) is kept.
    """
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        if line.rstrip("\n") == _ABSL_NOTICE:
            dropping = True
            continue
        record = _RECORD.match(line)
        if record:
            dropping = (record.group(1) or record.group(2)) in "IW" or bool(_EXPECTED_ERRORS.search(line))
        if not dropping:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def _native_stderr_filtered():
    """Point file descriptor 2 at a temporary file; write back what is not start-up noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):  # no descriptor 2 (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, AttributeError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = without_start_up_noise(captured.read().decode(errors="replace"))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


def device_note(gpus) -> str:
    """The one line a learner reads about where training runs."""
    if gpus:
        names = ", ".join(g.name.replace("/physical_device:", "") for g in gpus)
        return f"TensorFlow trains on the GPU ({names})."
    return "No GPU found: TensorFlow trains on the CPU, which is all this course needs."


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return getattr(shell, "kernel", None) is not None


class _QuietLoader(importlib.abc.Loader):
    """Runs TensorFlow's own loader with its start-up log filtered, then looks for GPUs once."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietTensorFlowFinder)]
        with _native_stderr_filtered():
            self._loader.exec_module(module)
            try:  # the first look for GPUs logs cuInit's failure on CPU-only machines: do it here
                gpus = module.config.list_physical_devices("GPU")
            except Exception:  # a broken install says so when the notebook uses it, not here
                return
        if _in_notebook():
            print(device_note(gpus))

    def __getattr__(self, name):  # resources, get_filename ...: TensorFlow's own loader answers
        return getattr(self._loader, name)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Hands the first import of ``tensorflow`` to :class:`_QuietLoader` (which then removes this finder)."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _QuietLoader(spec.loader)
        return spec


if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _QuietTensorFlowFinder())
