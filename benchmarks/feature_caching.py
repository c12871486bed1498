"""Seconds for episode 04's frozen-base training: the seed's way against cached features.

    python benchmarks/feature_caching.py [--epochs 30] [--train 702] [--val 176]

The seed trains its head with every image going through the frozen
DenseNet121 in every epoch. The episode instead runs the base once over the
images and trains the head on the stored features. Both are timed here for
the same number of epochs, without early stopping (the seed's upper bound).
Speed does not depend on what the pixels or weights are, so random images
and ``weights=None`` give the same seconds as Dollar Street and ImageNet
weights; the script says which it used.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def build(weights):
    """Episode 04's own model: the DenseNet121 base and exercise 2's solution, read from the master.

    The solution text is the one ``ex.freeze_base.solution()`` shows (the build
    extracts it from the master), run here as is, so the benchmark cannot time
    a model that differs from the episode's.
    """
    import keras

    from helpers.learner.exercises import dollar_street as ex

    base_model = keras.applications.DenseNet121(include_top=False, weights=weights, pooling="max",
                                                input_shape=(160, 160, 3))
    scope = {"keras": keras, "base_model": base_model}
    exec(ex.freeze_base.solution().text, scope)
    return keras.Model(scope["inputs"], scope["features"]), scope["head"], scope["model"]


def compile_(model):
    import keras

    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])


def main() -> None:
    import keras

    from helpers.learner.data import RESOURCES, is_cached

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--train", type=int, default=702)
    parser.add_argument("--val", type=int, default=176)
    args = parser.parse_args()
    weights = "imagenet" if is_cached(RESOURCES["densenet121_imagenet_notop"]) else None
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (args.train + args.val, 64, 64, 3)).astype("float32")
    y = rng.integers(0, 10, args.train + args.val)
    x_train, y_train, x_val, y_val = x[:args.train], y[:args.train], x[args.train:], y[args.train:]

    extractor, head, model = build(weights)  # compiled by the solution
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, validation_data=(x_val, y_val), verbose=0)
    seed_way = time.perf_counter() - start

    extractor, head, model = build(weights)
    compile_(head)
    start = time.perf_counter()
    f_train = extractor.predict(x_train, batch_size=32, verbose=0)
    f_val = extractor.predict(x_val, batch_size=32, verbose=0)
    extract = time.perf_counter() - start
    head.fit(f_train, y_train, batch_size=32, epochs=args.epochs, validation_data=(f_val, y_val), verbose=0)
    cached = time.perf_counter() - start
    print(json.dumps({"keras": keras.__version__, "weights": weights or "None (same cost as imagenet)",
                      "epochs": args.epochs, "train": args.train, "val": args.val,
                      "seed_way_s": round(seed_way, 1), "extract_s": round(extract, 1),
                      "cached_total_s": round(cached, 1), "speed_up": round(seed_way / cached, 1)}))


if __name__ == "__main__":
    main()
