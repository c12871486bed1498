"""The export step: the only grader code that runs in the learner's kernel.

At each check cell's place the grader runs this module's source in the
learner's kernel, which evaluates the exercise's ``grade_args`` there and
writes the values as *data* into one folder: Keras models in the native
``.keras`` format, arrays as ``.npy``, numbers, strings, tables and callback
settings as JSON, and a learner's function as its source text. Nothing here
decides a grade. The learner controls this interpreter (builtins, ``json``,
``importlib``, input transformers, tracing), so everything it writes is judged
later, outside the kernel, as untrusted data: subverting this code can only
produce artifacts that fail, or artifacts that pass because they solve the
exercise.

It is self-contained (the standard library, NumPy, and Keras or pandas only
where a value is one of theirs) because its source is sent as a cell.
"""

import inspect
import json
import os
import sys
import textwrap
import types

FORMAT = 1


def _jsonable(value, depth=0):
    """``value`` as plain JSON types, or raise TypeError (NumPy scalars and small arrays allowed)."""
    np = sys.modules.get("numpy")
    if depth > 20:
        raise TypeError("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if np is not None and isinstance(value, np.generic):
        return value.item()
    if np is not None and isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.size <= 100_000:
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    raise TypeError(type(value).__name__)


def _is_keras(value, kind):
    """isinstance of ``keras.<kind>`` (a dotted name), without importing Keras where the notebook did not."""
    cls = sys.modules.get("keras")
    for part in kind.split("."):
        cls = getattr(cls, part, None)
    return isinstance(cls, type) and isinstance(value, cls)


def _model_state(model):
    """What a ``.keras`` file loses about a model's training set-up: which layers were trainable
    when it was last compiled, and which variables its built optimiser updates."""
    layers = list(model._flatten_layers())
    compiled = getattr(model, "_compiled_trainable_state", None) or {}
    state = {"compiled_trainable": [compiled.get(layer) for layer in layers] if compiled else None,
             "optimizer_variables": None}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:  # as keras_checks.training_function_is_stale reads it
        ids = {id(v): i for i, v in enumerate(model.weights)}
        state["optimizer_variables"] = [ids.get(id(v), -1) for v in getattr(optimizer, "_trainable_variables", [])]
    return state


def _function(fn, depth=0):
    """A learner's function by its source, with the modules and functions its globals name."""
    source = textwrap.dedent(inspect.getsource(fn))
    names = {}
    code_names = set(fn.__code__.co_names)
    for const in fn.__code__.co_consts:  # names used in nested functions and comprehensions
        if isinstance(const, types.CodeType):
            code_names |= set(const.co_names)
    for name in sorted(code_names):
        if name not in fn.__globals__:
            continue
        value = fn.__globals__[name]
        if isinstance(value, types.ModuleType):
            names[name] = {"module": value.__name__}
        elif isinstance(value, types.FunctionType) and value.__module__ == "__main__" and depth < 3:
            names[name] = {"function": _function(value, depth + 1)}
        elif callable(value) and getattr(value, "__module__", "") not in ("", "__main__", None):
            names[name] = {"from": value.__module__, "attr": getattr(value, "__qualname__", name)}
        else:
            try:
                names[name] = {"value": _jsonable(value)}
            except TypeError:
                pass
    return {"name": fn.__name__, "source": source, "globals": names}


def _spec(value, index, folder, models):
    """Write ``value`` (argument ``index``) into ``folder``; return how to read it back."""
    np = sys.modules.get("numpy")
    if value is None or value is Ellipsis:
        return {"kind": "blank"}
    if _is_keras(value, "Model"):
        for owner, model in models:  # a model inside another argument (a base model): keep the link
            inner = [layer for layer in model._flatten_layers(include_self=False) if layer is value]
            if inner:
                return {"kind": "inner_model", "of": owner, "name": value.name}
        name = f"arg{index}.keras"
        value.save(os.path.join(folder, name))
        models.append((index, value))
        return {"kind": "model", "file": name, "state": _model_state(value)}
    if isinstance(value, (list, tuple)) and value and all(_is_keras(v, "Layer") for v in value):
        for owner, model in models:
            layers = list(model._flatten_layers())
            found = [next((i for i, layer in enumerate(layers) if layer is v), None) for v in value]
            if None not in found:
                return {"kind": "layers", "of": owner, "indices": found}
    if _is_keras(value, "Layer"):
        keras = sys.modules["keras"]
        return {"kind": "layer", "config": keras.saving.serialize_keras_object(value)}
    if isinstance(value, type):
        return {"kind": "class", "module": value.__module__, "name": value.__qualname__}
    if isinstance(value, types.FunctionType):
        return {"kind": "function", **_function(value)}
    if _is_keras(value, "callbacks.Callback") or type(value).__module__.startswith(("keras", "tf_keras", "tensorflow")) \
            and type(value).__name__.endswith(("Stopping", "Checkpoint", "Callback")):
        settings = {}
        for key, item in vars(value).items():
            try:
                settings[key] = _jsonable(item)
            except TypeError:
                pass
        spec = {"kind": "callback", "module": type(value).__module__, "name": type(value).__name__,
                "settings": settings}
        for owner, model in models:  # a History: which exported model it belongs to, and whether it is the
            if getattr(value, "model", None) is model:  # History of that model's latest fit
                spec.update(model_of=owner, latest_fit=getattr(model, "history", None) is value)
        return spec
    if np is not None and isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        name = f"arg{index}.npy"
        np.save(os.path.join(folder, name), value, allow_pickle=False)
        return {"kind": "array", "file": name}
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(value, pd.DataFrame):
        return {"kind": "dataframe", "columns": _jsonable([str(c) for c in value.columns]),
                "index": _jsonable([v if isinstance(v, (int, float)) else str(v) for v in value.index]),
                "values": _jsonable(value.to_numpy(dtype="float64"))}
    if isinstance(value, (list, tuple)) and not all(isinstance(v, (int, float, str, bool)) for v in value):
        try:
            return {"kind": "json", "value": _jsonable(value)}
        except TypeError:
            return {"kind": "list", "items": [_spec(v, f"{index}_{i}", folder, models) for i, v in enumerate(value)]}
    try:
        return {"kind": "json", "value": _jsonable(value), "tuple": isinstance(value, tuple)}
    except TypeError:
        return {"kind": "object", "type": type(value).__name__}


def export_arguments(folder, expressions, namespace):
    """Evaluate ``expressions`` (the exercise's grade_args) in ``namespace`` and write them to ``folder``."""
    os.makedirs(folder, exist_ok=True)
    for stale in os.listdir(folder):
        os.remove(os.path.join(folder, stale))
    manifest = {"format": FORMAT}
    try:
        values = eval("(" + expressions + ",)", namespace)
    except NameError as missing:
        manifest["missing"] = str(missing)
    except Exception as exc:
        manifest["failed"] = f"{type(exc).__name__}: {exc}"
    else:
        models, specs = [], []
        for index, value in enumerate(values):
            try:
                specs.append(_spec(value, index, folder, models))
            except Exception as exc:  # a value the grader cannot write: judged as what it is
                specs.append({"kind": "object", "type": type(value).__name__,
                              "note": f"could not be exported ({type(exc).__name__}: {exc})"})
        manifest["arguments"] = specs
    with open(os.path.join(folder, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh)
