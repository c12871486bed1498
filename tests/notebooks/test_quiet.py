"""What a learner sees is quiet: no TensorFlow log lines or library warnings on stderr.

Every executed solution notebook is checked cell by cell by the hook in the root
``conftest.py`` (nbval's own outputs, no second run); these tests check that
hook, the filter in ``helpers/__init__.py``, a fresh kernel, the episodes' import
order and ``python -m helpers doctor``.
"""

import ast
import os
import subprocess
import sys
import textwrap

import nbformat
import pytest

import helpers
from helpers.author import build

# What a learner's shell has: none of the settings the test run or helpers put in os.environ.
# (ipykernel stops forwarding file descriptor 2 when it sees PYTEST_CURRENT_TEST.)
LEARNER_ENV = {k: v for k, v in os.environ.items()
               if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST", "MPLBACKEND")}

START_UP_LOG = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795800876.264361    6293 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results.
I0000 00:00:1795800876.264798    6293 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1795800876.387309    6293 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
E0000 00:00:1795800882.899995    6337 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
"""
# TensorFlow 2.19 (Colab's), before absl's log is set up: its own record format
START_UP_LOG_2_19 = """\
2026-12-03 17:01:47.472373: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:467] Unable to register cuFFT factory: Attempting to register factory for plugin cuFFT when one has already been registered
2026-12-03 17:02:07.689647: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not find cuda drivers on your machine, GPU will not be used.
"""


def test_start_up_log_is_dropped_and_real_errors_kept():
    assert helpers.without_start_up_noise(START_UP_LOG) == ""
    real = ("E0000 00:00:1795800882.899995    6337 op_kernel.cc:1830] OP_REQUIRES failed: out of memory\n"
            "  while allocating a tensor\n")
    traceback = "Traceback (most recent call last):\n  File \"x.py\", line 1\nImportError: libcudnn.so.9\n"
    assert helpers.without_start_up_noise(START_UP_LOG + real + traceback) == real + traceback
    assert helpers.without_start_up_noise(START_UP_LOG_2_19 + START_UP_LOG) == ""
    real_2_19 = "2026-12-03 17:02:07.910000: E tensorflow/core/framework/op_kernel.cc:1830] OP_REQUIRES failed\n"
    assert helpers.without_start_up_noise(START_UP_LOG_2_19 + real_2_19) == real_2_19


def test_device_note_is_one_friendly_line():
    class Gpu:
        name = "/physical_device:GPU:0"

    assert helpers.device_note([]).startswith("No GPU found") and "\n" not in helpers.device_note([])
    assert "GPU:0" in helpers.device_note([Gpu()])


def _set_up_imports(master):
    """Top-level packages the first code cell of a jupytext master imports, in order."""
    import jupytext

    source = next(c.source for c in jupytext.read(master).cells if c.cell_type == "code")
    return [alias.name.split(".")[0] if isinstance(node, ast.Import) else (node.module or "").split(".")[0]
            for node in ast.parse(source).body if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in (node.names if isinstance(node, ast.Import) else node.names[:1])]


@pytest.mark.parametrize("master", sorted(build.ROOT.glob("masters/*.py")), ids=lambda p: p.stem)
def test_set_up_cell_imports_helpers_before_tensorflow(master):
    """TensorFlow logs while it is imported: helpers can only filter that if it is imported first."""
    order = _set_up_imports(master)
    tf_first = min((order.index(m) for m in ("keras", "tensorflow") if m in order), default=len(order))
    assert "helpers" in order[:tf_first], (
        f"{master.name}: the set-up cell imports {order[tf_first]} before helpers; start it with `import helpers`")


def test_a_fresh_kernel_that_imports_helpers_first_writes_nothing_to_stderr(tmp_path):
    """What JupyterLab shows for a set-up cell and a first fit, in a learner's environment."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import helpers\nimport keras\nimport numpy as np\nfrom tqdm.auto import tqdm\n"
                                  "for _ in tqdm(range(3)):\n    pass"),
        nbformat.v4.new_code_cell("model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
                                  "model.compile('adam', 'mse')\n"
                                  "model.fit(np.zeros((64, 2)), np.zeros(64), epochs=1, verbose=0)\nprint('trained')"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute(env=LEARNER_ENV, cwd=str(tmp_path))
    outputs = [o for c in nb.cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], outputs
    stdout = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "TensorFlow trains on the" in stdout and stdout.count("GPU") == 1 and "trained" in stdout


# doctor's quietness is tested with its one subprocess run, in tests/test_cli.py.


def test_the_conftest_hook_fails_a_notebook_cell_that_writes_to_stderr(tmp_path):
    """The hook the solution notebooks run under: a quiet cell passes; a Python warning fails, and so
    does a line written straight to file descriptor 2, as TensorFlow's C++ log is."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('fine')"),
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('library noise')"),
        nbformat.v4.new_code_cell("import os, time\nos.write(2, b'native noise\\n')\ntime.sleep(0.5)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "noisy.ipynb")
    (tmp_path / "conftest.py").write_text((build.ROOT / "conftest.py").read_text())
    (tmp_path / "pytest.ini").write_text(textwrap.dedent("""\
        [pytest]
        addopts = -p no:cacheprovider
        """))
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:xdist", "-rA", "noisy.ipynb"],
                            capture_output=True, text=True, cwd=tmp_path, env=LEARNER_ENV, timeout=180)
    assert "2 failed, 1 passed" in result.stdout, result.stdout + result.stderr
    assert "library noise" in result.stdout and "native noise" in result.stdout and "wrote to stderr" in result.stdout
