"""Run a learner's exported function on the judge's arrays, in a child process of its own.

``python -m helpers.instructor.grading.function_runner FOLDER N`` executes
``FOLDER/function.json`` (the source, and the modules and helper functions its
globals named) on ``in0.npy`` ... and writes each returned value as
``outK.npy`` and a ``result.json``. It is the only place the judge runs a
learner's code, and it runs in a separate interpreter (inside the judge's
sandbox, with its own memory and CPU-time limits), so the code can change
nothing the check relies on; what comes back is arrays, checked as data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MEMORY_BYTES = 4 * 1024**3
CPU_SECONDS = 120


def _limits() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_in_child(folder: Path, n_inputs: int, timeout: float) -> dict:
    """Run the function in ``folder`` in a fresh interpreter; the child's result, or what went wrong."""
    env = {key: value for key, value in os.environ.items() if key in (
        "PATH", "HOME", "KERAS_HOME", "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "PYTHONPATH", "COURSE_PROFILE")}
    try:
        subprocess.run([sys.executable, "-m", __name__, str(folder), str(n_inputs)], env=env, cwd=folder,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=timeout, preexec_fn=_limits, check=False)
    except subprocess.TimeoutExpired:
        return {"raised": f"TimeoutError: it did not return within {timeout:.0f} s"}
    try:
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"raised": "RuntimeError: it stopped the process that ran it (no result came back)"}
    if not isinstance(result, dict) or not ("raised" in result or isinstance(result.get("outputs"), int)):
        return {"raised": "RuntimeError: its process returned a malformed result"}
    return result


def _namespace(spec: dict) -> dict:
    import importlib

    import numpy as np

    namespace = {"__name__": "__main__", "np": np}
    for name, source in (spec.get("globals") or {}).items():
        try:
            if "module" in source:
                namespace[name] = importlib.import_module(source["module"])
            elif "from" in source:
                value = importlib.import_module(source["from"])
                for part in source["attr"].split("."):
                    value = getattr(value, part)
                namespace[name] = value
            elif "function" in source:
                inner = source["function"]
                inner_ns = _namespace(inner)
                exec(compile(inner["source"], f"<learner:{inner['name']}>", "exec"), inner_ns)
                namespace[name] = inner_ns[inner["name"]]
            elif "value" in source:
                namespace[name] = source["value"]
        except Exception:  # a name it cannot rebuild: the function fails where it uses it
            continue
    return namespace


def main(folder: str, n_inputs: str) -> None:
    import numpy as np

    folder_path = Path(folder)
    spec = json.loads((folder_path / "function.json").read_text(encoding="utf-8"))
    inputs = [np.load(folder_path / f"in{i}.npy", allow_pickle=False) for i in range(int(n_inputs))]
    inputs = [array.item() if array.ndim == 0 else array for array in inputs]  # numbers go in as numbers
    result: dict
    try:
        namespace = _namespace(spec)
        exec(compile(spec["source"], f"<learner:{spec['name']}>", "exec"), namespace)
        output = namespace[spec["name"]](*inputs)
        if output is None:
            result = {"outputs": 0, "none": True}
        else:
            single = not isinstance(output, (tuple, list))
            values = [output] if single else list(output)
            converted = []
            for value in values:
                if hasattr(value, "numpy"):
                    value = value.numpy()
                array = np.asarray(value)
                if array.dtype == object:
                    raise TypeError(f"it returned a {type(value).__name__}, not an array")
                converted.append(array)
            for i, array in enumerate(converted):
                np.save(folder_path / f"out{i}.npy", array, allow_pickle=False)
            result = {"outputs": len(converted), "single": single}
        for i, array in enumerate(inputs):  # in-place changes go back to the check
            np.save(folder_path / f"in{i}.npy", array, allow_pickle=False)
    except BaseException as exc:  # the learner's code failing is reported, never raised
        result = {"raised": f"{type(exc).__name__}: {exc}"[:2000]}
    (folder_path / "result.json").write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
