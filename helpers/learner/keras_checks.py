"""Questions a check asks of a Keras model, answered in the learner's terms.

Each ``require_*`` raises :class:`~helpers.learner.checking.Incorrect` with a sentence
a learner can act on. ``frozen_layers_move`` is behavioural on purpose: in
Keras 3 a model compiled and trained *before* a layer was frozen keeps its
traced training function, so ``layer.trainable`` says False while the weights
still move. Only running the learner's own training function shows that, so
it runs one step on the learner's model and then restores every variable
(weights and optimiser state) exactly: the learner's model is left as it was.
"""

from __future__ import annotations

import numpy as np

from helpers.learner.checking import Incorrect, expect

_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def _keras():
    import keras  # imported late: the checks module must load fast for hint()/solution()

    return keras


def require_model(obj, name: str):
    keras = _keras()
    if isinstance(obj, keras.layers.Layer) and not isinstance(obj, keras.Model):
        raise Incorrect(f"`{name}` is a single layer ({type(obj).__name__}); pass the whole Keras model.")
    expect(
        isinstance(obj, keras.Model),
        f"`{name}` should be a Keras model (keras.Sequential or keras.Model); it is a {type(obj).__name__}.",
    )
    return obj


def require_compiled(model, name: str) -> None:
    expect(
        getattr(model, "compiled", False) and model.optimizer is not None,
        f"`{name}` has not been compiled: call `{name}.compile(optimizer=..., loss=...)` before training it.",
    )


def require_trained(model, name: str) -> None:
    iterations = int(np.asarray(model.optimizer.iterations)) if model.optimizer is not None else 0
    expect(iterations > 0, f"`{name}` has not been trained since it was compiled: call `{name}.fit(...)`.")


def weighted_layers(model) -> list:
    """The layers that own weights, in order (Input layers and Dropout left out)."""
    return [layer for layer in model.layers if layer.weights]


def activation_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def loss_name(model) -> str:
    loss = model.loss
    if isinstance(loss, str):
        return _LOSS_ALIASES.get(loss, loss)
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return _LOSS_ALIASES.get(name, name)


def learning_rate(model) -> float:
    rate = model.optimizer.learning_rate
    if callable(rate) and not hasattr(rate, "numpy"):
        rate = rate(model.optimizer.iterations)
    return float(np.asarray(rate))


def same_weights(layer_a, layer_b) -> bool:
    a, b = layer_a.get_weights(), layer_b.get_weights()
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y) for x, y in zip(a, b))


def frozen_layers_move(model, layers, x, y, steps: int = 2) -> bool:
    """Whether training ``model`` as compiled changes any of ``layers``' weights.

    Runs the model's own ``train_on_batch`` (its cached training function,
    stale or not), then puts back every model and optimiser variable.
    """
    variables = list(model.variables) + list(model.optimizer.variables)
    saved = [np.array(v.numpy(), copy=True) for v in variables]
    before = [[np.array(w, copy=True) for w in layer.get_weights()] for layer in layers]
    try:
        for _ in range(steps):
            model.train_on_batch(x, y)
        after = [layer.get_weights() for layer in layers]
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)
        known = {id(v) for v in variables}
        for variable in model.optimizer.variables:  # slots built by these steps start at zero
            if id(variable) not in known:
                variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    return any(not np.allclose(b, a) for bl, al in zip(before, after) for b, a in zip(bl, al))


def training_function_is_stale(model) -> bool:
    """Whether the model's built optimiser updates other variables than it should now.

    Keras 3 builds the optimiser, and traces the training step, for the
    variables that were trainable at the first ``fit`` (or, for a model
    loaded with ``keras.models.load_model``, when it was saved). Changing
    ``trainable`` afterwards without ``compile()`` leaves both in place:
    ``fit`` goes on updating the old set. (``frozen_layers_move`` can miss
    this, because a call with differently shaped data retraces the step.)
    ``compile()`` with an optimiser's name or a new instance starts an unbuilt
    one, so a built one that tracks another set means no such compile since
    the change (or an old, built instance passed to it again: stale as well).
    """
    optimizer = model.optimizer
    if optimizer is None or not optimizer.built:
        return False
    tracked = {id(v) for v in getattr(optimizer, "_trainable_variables", [])}
    return tracked != {id(v) for v in model.trainable_variables}


def compile_order_known(model) -> bool:
    """Whether this Keras records the ``trainable`` flags at ``compile()`` (3.11 and later do).

    Keras 3.10 (Colab's in 2025) keeps no such record: a layer frozen after
    ``compile()`` but before the first ``fit`` cannot be told apart from one
    frozen before it. That Keras builds the training step at the first
    ``fit`` from the flags of that moment, so such a model trains as frozen;
    a check then says nothing about the order it cannot see.
    """
    return getattr(model, "_compiled_trainable_state", None) is not None


def trainable_changed_since_compile(model) -> list[str]:
    """Names of layers whose ``trainable`` flag changed after the model was last compiled.

    Keras 3 records the flags at ``compile()`` (the record behind its own
    warning about this); a change since then takes effect only after the next
    compile, or not at all if the training function was already built.
    """
    recorded = getattr(model, "_compiled_trainable_state", None)
    if not getattr(model, "compiled", False) or not compile_order_known(model):
        return []
    return [layer.name for layer in model._flatten_layers() if layer in recorded
            and layer.trainable != recorded[layer]]


def trainable_count(owner) -> int:
    """Trainable parameters of a model, a layer or a list of layers: what `summary()` calls "Trainable params"."""
    owners = owner if isinstance(owner, (list, tuple)) else [owner]
    return int(sum(int(np.prod(w.shape)) for o in owners for w in o.trainable_weights))


def require_compiled_after_trainable_change(model, name: str, *, batch=None, frozen=(), unfrozen=()) -> None:
    """The one rule behind every freezing exercise: compile after the *last* change to ``trainable``.

    Keras 3 builds the training step for the variables that were trainable
    when the model was compiled and first trained; a later change to
    ``trainable`` without ``compile()`` has no effect on ``fit``, and Keras
    (3.10 to 3.15 at least) gives no warning. Three ways to see it, from cheapest to surest: the flags
    recorded at ``compile()`` differ from today's; the built optimiser tracks
    another set of variables; and (given a ``batch``) one training step on the
    learner's own model, undone afterwards, moves a ``frozen`` layer or leaves
    an ``unfrozen`` one where it was.
    """
    require_compiled(model, name)
    changed = trainable_changed_since_compile(model)
    if changed:
        what = f"`trainable` changed on {', '.join(changed[:3])}{' and others' if len(changed) > 3 else ''} " \
               f"after `{name}` was compiled"
    elif training_function_is_stale(model):
        what = f"`{name}` was trained before `trainable` last changed, and has not been compiled since"
    elif batch is not None and frozen and frozen_layers_move(model, frozen, *batch):
        what = (f"The layers marked `trainable=False` are frozen in name only: training `{name}` still "
                "changes their weights")
    elif batch is not None and unfrozen and not frozen_layers_move(model, unfrozen, *batch):
        what = f"The layers marked trainable do not change when `{name}` trains"
    else:
        return
    raise Incorrect(f"{what}. Compile again after the last change to `trainable`: it is the rule that is "
                    f"always safe. Once `{name}` has trained, Keras keeps the training step it built then, which "
                    "goes on updating the layers that were trainable at that moment, and it may not warn you. "
                    f"Call `{name}.compile(...)` again after freezing or unfreezing.")
