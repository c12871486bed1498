"""Reading what a learner's kernel exported, as untrusted data.

Two steps, on two sides of the trust boundary:

* :func:`capture` (grader side) copies an export folder out of the learner's
  reach the moment its export cell has run: only regular files with plain
  names, no links, within a size limit. Later cells, or a thread left
  running, cannot change what is judged.
* :func:`load_arguments` (judge side) turns the captured files back into the
  values a check receives. Models load with Keras' ``safe_mode=True`` after a
  scan of their configuration for anything but Keras' own classes (no lambdas,
  no foreign modules), arrays with ``allow_pickle=False``, everything else
  from JSON. A learner's function comes back as a :class:`LearnerFunction`
  that runs the source in a separate process and returns only arrays.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import zipfile
from pathlib import Path

SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_CAPTURE_BYTES = 2 * 1024**3  # a DenseNet121 with its optimiser state is about 100 MB


class BadArtifact(ValueError):
    """An exported file that the judge refuses to read (its message is shown as feedback)."""


def capture(source: Path, target: Path, limit: int = MAX_CAPTURE_BYTES) -> str | None:
    """Copy the regular files of ``source`` into ``target``; a note on anything refused, else None."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        info = os.lstat(source)
    except OSError:
        return "the export step wrote nothing"
    if not stat.S_ISDIR(info.st_mode):
        return "the export folder was replaced by something else"
    refused, total = [], 0
    for name in sorted(os.listdir(source)):
        path = source / name
        info = os.lstat(path)
        if not SAFE_NAME.match(name) or not stat.S_ISREG(info.st_mode):
            refused.append(name)
            continue
        total += info.st_size
        if total > limit:
            return f"the exported files exceed {limit // 1024**2} MB"
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as src, open(target / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return f"ignored: {', '.join(refused[:5])}" if refused else None


def _file(folder: Path, name) -> Path:
    if not isinstance(name, str) or not SAFE_NAME.match(name) or not (folder / name).is_file():
        raise BadArtifact(f"the export names a file that is not there ({str(name)[:40]!r})")
    return folder / name


def _scan_model_config(node, depth=0) -> None:
    """Refuse configurations that would bring code or foreign classes with a model."""
    if depth > 200:
        raise BadArtifact("the model's configuration is nested too deeply")
    if isinstance(node, dict):
        module = node.get("module")
        if module is not None and not (isinstance(module, str) and (module == "keras" or module.startswith("keras."))):
            raise BadArtifact(f"the model refers to code outside Keras ({str(module)[:60]})")
        if node.get("class_name") in ("Lambda", "__lambda__", "function") or "__lambda__" in node:
            raise BadArtifact("the model contains a Lambda layer or a function, which the grader does not load")
        for value in node.values():
            _scan_model_config(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _scan_model_config(value, depth + 1)


def load_model(path: Path, state: dict | None):
    import keras

    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > 4 * MAX_CAPTURE_BYTES:
                raise BadArtifact("the model file unpacks to more than the grader reads")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError):
        raise BadArtifact("the exported model is not a readable .keras file") from None
    _scan_model_config(config)
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=True)
    except Exception as exc:
        raise BadArtifact(f"the exported model could not be loaded safely ({type(exc).__name__}: {exc})") from None
    # eager: a check runs a model on a handful of inputs a few times, where tracing a tf.function for
    # each (fresh) model costs seconds and gains nothing
    model.run_eagerly = True
    replay_training_state(model, path, state or {})
    return model


def _saved_optimizer_variables(path: Path) -> list:
    """The optimiser variables stored in a .keras file (iterations first), as arrays."""
    import h5py

    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as raw:
        with h5py.File(raw, "r") as weights:
            group = weights.get("optimizer/vars")
            if group is None:
                return []
            return [group[key][()] for key in sorted(group, key=int)]


def replay_training_state(model, path: Path, state: dict) -> None:
    """Put back what the .keras format loses: the model as it was *compiled* and *traced*.

    A model loaded from a file is compiled afresh with its current
    ``trainable`` flags, so the Keras 3 mistake the checks look for (flags
    changed after ``compile``, or after the training step was built, without
    compiling again) would vanish. The export records both (the flags at the
    last compile, the variables the built optimiser updates); here the model
    is compiled with the recorded flags and its optimiser built for the
    recorded variables, then the current flags are set again, so the checks
    see the same stale state. The stale optimiser's saved variables are in the
    file itself (Keras skips them on loading because they do not fit), and are
    restored too. A forged record can only hide this one diagnosis, for a
    model whose saved architecture, flags and weights pass every other check.
    """
    layers = list(model._flatten_layers())
    flags = [layer.trainable for layer in layers]
    compiled = state.get("compiled_trainable")
    tracked = state.get("optimizer_variables")
    if not getattr(model, "compiled", False):
        return
    if isinstance(compiled, list) and len(compiled) == len(layers):
        record = {layer: (bool(was) if was is not None else now) for layer, was, now in zip(layers, compiled, flags)}
        model._compiled_trainable_state = record
        model._grader_replayed = any(record[layer] != layer.trainable for layer in layers)
    weights = model.weights
    if isinstance(tracked, list) and all(isinstance(i, int) and 0 <= i < len(weights) for i in tracked):
        variables = [weights[i] for i in tracked]
        if {id(v) for v in variables} != {id(v) for v in model.trainable_variables}:
            optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
            optimizer.build(variables)
            saved = _saved_optimizer_variables(path)
            if len(saved) == len(optimizer.variables):
                for variable, value in zip(optimizer.variables, saved):
                    if tuple(variable.shape) == tuple(value.shape):
                        variable.assign(value)
            model.optimizer = optimizer
            model.train_function = model.make_train_function()
            model._grader_replayed = True


class LearnerFunction:
    """A learner's function, run on the judge's inputs in a separate process.

    The check calls it like the learner's own function. The call's arrays are
    written to a fresh folder, a child process (same sandbox, its own
    interpreter, memory and time limits) executes the learner's source and
    writes the results back as ``.npy`` files, and only those arrays return:
    the learner's code never runs in the judge's interpreter, so it cannot
    patch the NumPy or Keras functions that the check then uses. Changes the
    function makes to its float arguments in place are copied back, so a
    check can still notice them.
    """

    def __init__(self, spec: dict, workdir: Path, timeout: float = 120):
        self.spec, self.workdir, self.timeout = spec, workdir, timeout
        self.__name__ = str(spec.get("name", "function"))
        self.calls = 0

    def __call__(self, *args):
        import numpy as np

        from helpers.instructor.grading import function_runner

        self.calls += 1
        folder = self.workdir / f"call-{id(self)}-{self.calls}"
        folder.mkdir(parents=True)
        for i, arg in enumerate(args):
            np.save(folder / f"in{i}.npy", np.asarray(arg), allow_pickle=False)
        (folder / "function.json").write_text(json.dumps(self.spec))
        outcome = function_runner.run_in_child(folder, len(args), self.timeout)
        if "raised" in outcome:
            raise learner_error(outcome["raised"])
        for i, arg in enumerate(args):
            if isinstance(arg, np.ndarray) and arg.flags.writeable:
                changed = np.load(folder / f"in{i}.npy", allow_pickle=False)
                if changed.shape == arg.shape:
                    arg[...] = changed
        results = [np.load(folder / f"out{i}.npy", allow_pickle=False) for i in range(outcome["outputs"])]
        if outcome.get("single"):
            return results[0]
        if outcome.get("none"):
            return None
        return tuple(results)


def learner_error(text: str) -> Exception:
    """The exception the learner's function raised in the child, rebuilt by name (for the check's message)."""
    name, _, message = str(text).partition(": ")
    name = name if name.isidentifier() else "Exception"
    return type(name, (Exception,), {})(message)


def _class(module: str, name: str):
    """A Keras class by name, or a stand-in that carries the learner's class name (for messages)."""
    import importlib

    if isinstance(module, str) and (module == "keras" or module.startswith("keras.")) and isinstance(name, str):
        for where in (module, "keras.callbacks", "keras.layers", "keras"):
            try:
                found = getattr(importlib.import_module(where), name.split(".")[-1], None)
            except ImportError:
                continue
            if isinstance(found, type):
                return found
    stand_in = type(str(name)[:60], (), {})
    stand_in.__module__ = str(module)[:80]
    return stand_in


def _object_named(name: str):
    stand_in = type(str(name)[:60] or "object", (), {"__repr__": lambda self: f"<{type(self).__name__}>"})
    return stand_in()


# -- one loader per kind of exported value: ``(spec, folder, loaded, workdir)`` -> the value ----------------------
def _load_json(spec, folder, loaded, workdir):
    value = spec.get("value")
    return tuple(value) if spec.get("tuple") and isinstance(value, list) else value


def _load_array(spec, folder, loaded, workdir):
    import numpy as np

    try:
        return np.load(_file(folder, spec.get("file")), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise BadArtifact(f"an exported array could not be read ({exc})") from None


def _load_model(spec, folder, loaded, workdir):
    path = _file(folder, spec.get("file"))
    if not path.name.endswith(".keras"):
        raise BadArtifact("an exported model is not a .keras file")
    return load_model(path, spec.get("state") if isinstance(spec.get("state"), dict) else None)


def _load_inner_model(spec, folder, loaded, workdir):
    owner = _reference(spec, loaded)
    for layer in owner._flatten_layers(include_self=False):
        if layer.name == spec.get("name") and hasattr(layer, "layers"):
            return layer
    raise BadArtifact(f"no model named {str(spec.get('name'))[:40]!r} inside the exported model")


def _load_layers(spec, folder, loaded, workdir):
    layers = list(_reference(spec, loaded)._flatten_layers())
    indices = spec.get("indices")
    if not isinstance(indices, list) or not all(isinstance(i, int) and 0 <= i < len(layers) for i in indices):
        raise BadArtifact("the exported list of layers does not match its model")
    return [layers[i] for i in indices]


def _load_layer(spec, folder, loaded, workdir):
    import keras

    _scan_model_config(spec.get("config"))
    try:
        return keras.saving.deserialize_keras_object(spec.get("config"), safe_mode=True)
    except Exception:
        raise BadArtifact("an exported layer could not be rebuilt from its configuration") from None


def _load_callback(spec, folder, loaded, workdir):
    cls = _class(spec.get("module"), spec.get("name"))
    settings = spec.get("settings") if isinstance(spec.get("settings"), dict) else {}
    try:
        callback = cls()
    except Exception:
        callback = _object_named(spec.get("name"))
    for key, value in settings.items():
        if isinstance(key, str) and key.isidentifier() and not key.startswith("_") \
                and isinstance(value, (bool, int, float, str, list, dict, type(None))):
            try:
                setattr(callback, key, value)
            except (AttributeError, TypeError):
                pass
    owner = spec.get("model_of")
    if isinstance(owner, int) and 0 <= owner < len(loaded) and hasattr(loaded[owner], "_flatten_layers"):
        # the link between a model and the History of its fit, as the kernel exported it (see README)
        if hasattr(callback, "set_model"):
            callback.set_model(loaded[owner])
        if spec.get("latest_fit") is True:
            loaded[owner].history = callback
    return callback


def _load_dataframe(spec, folder, loaded, workdir):
    import numpy as np
    import pandas as pd

    try:
        return pd.DataFrame(np.asarray(spec.get("values"), dtype="float64").reshape(len(spec["index"]), -1),
                            index=spec["index"], columns=spec["columns"])
    except Exception:
        raise BadArtifact("an exported table could not be rebuilt") from None


def _load_function(spec, folder, loaded, workdir):
    if not isinstance(spec.get("source"), str):
        raise BadArtifact("an exported function has no source")
    return LearnerFunction(spec, workdir)


def _load_list(spec, folder, loaded, workdir):
    items = spec.get("items")
    if not isinstance(items, list):
        raise BadArtifact("an exported list is malformed")
    return [load_argument(item, folder, loaded, workdir) for item in items]


LOADERS = {
    "blank": lambda spec, folder, loaded, workdir: None,
    "json": _load_json,
    "array": _load_array,
    "model": _load_model,
    "inner_model": _load_inner_model,
    "layers": _load_layers,
    "layer": _load_layer,
    "class": lambda spec, folder, loaded, workdir: _class(spec.get("module"), spec.get("name")),
    "callback": _load_callback,
    "dataframe": _load_dataframe,
    "function": _load_function,
    "list": _load_list,
    "object": lambda spec, folder, loaded, workdir: _object_named(spec.get("type", "object")),
}


def load_argument(spec, folder: Path, loaded: list, workdir: Path):
    """One argument from its export spec (``loaded``: the arguments before it, for references)."""
    if not isinstance(spec, dict):
        raise BadArtifact("the export's description of an argument is malformed")
    kind = spec.get("kind")
    loader = LOADERS.get(kind) if isinstance(kind, str) else None
    if loader is None:
        raise BadArtifact(f"unknown kind of exported value ({str(kind)[:30]!r})")
    return loader(spec, folder, loaded, workdir)


def _reference(spec: dict, loaded: list):
    owner = spec.get("of")
    if not isinstance(owner, int) or not 0 <= owner < len(loaded) or not hasattr(loaded[owner], "_flatten_layers"):
        raise BadArtifact("an exported reference points at no model")
    return loaded[owner]


def load_arguments(folder: Path, workdir: Path) -> dict:
    """The manifest of a captured export folder, with its ``arguments`` loaded."""
    try:
        manifest = json.loads(_file(folder, "manifest.json").read_text(encoding="utf-8"))
    except (BadArtifact, json.JSONDecodeError, UnicodeDecodeError):
        raise BadArtifact("the export step left no readable manifest (was the cell that exports changed?)") from None
    if not isinstance(manifest, dict):
        raise BadArtifact("the export manifest is malformed")
    if "arguments" in manifest:
        specs = manifest["arguments"]
        if not isinstance(specs, list) or len(specs) > 16:
            raise BadArtifact("the export manifest is malformed")
        loaded = []
        for spec in specs:
            loaded.append(load_argument(spec, folder, loaded, workdir))
        manifest["arguments"] = loaded
    return manifest
