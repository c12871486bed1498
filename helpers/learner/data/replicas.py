"""Full-size replicas: the real files' names, formats, shapes and dtypes, made here; never the real data.

They answer one question where the real data cannot be fetched: does the full profile run, and
how long, and in how much memory? (``pytest -m full_size``, ``benchmarks/run.py --profiles
full-size``). ``python -m helpers replicas DIR`` (``helpers/author/replicas.py``) writes them into
DIR, laid out as Keras' cache is, with ``REPLICAS.json`` last.

A replica is used only on an explicit opt-in: ``COURSE_REPLICAS=DIR``, read here, never a default
folder, and never the cache itself. Then a loader whose real data are not cached reads the replica
instead, in either profile, and says so as a stand-in does ("REPLICA DATA: ..."); its ``ImageData``
is marked ``stand_in``, so every claim the notebook asserts only on real data is skipped. The
registry's digests still decide what is real: copied into ``KERAS_HOME``, a replica is not
"cached" for ``doctor``, ``fetch`` or the full profile (a wrong digest, or, for Dollar Street 10,
which has none, the mark every replica image carries: ``registry.REPLICA_MARK``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from helpers.learner.data.registry import get

ENV = "COURSE_REPLICAS"
MANIFEST = "REPLICAS.json"
CIFAR_BATCHES = "datasets/cifar-10-batches-py-target/cifar-10-batches-py"  # where Keras unpacks CIFAR-10
CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")

# What each replica is, in the words its loader prints.
TITLES = {
    "mnist": "a replica of MNIST's format and size, not MNIST (60,000 + 10,000 28x28 digits made from the "
             "5,000 real ones by small random shifts and rotations)",
    "cifar10": "a replica of CIFAR-10's format and size, not CIFAR-10 (50,000 + 10,000 32x32 colour images "
               "made from the 5,000 real MNIST digits, tinted and moved; no photographs)",
    "dollar_street_10": "a replica of Dollar Street 10's format and size, not Dollar Street 10 (878 + 293 "
                        "64x64 colour images made from the 5,000 real MNIST digits; no photographs)",
    "densenet121_imagenet_notop": "a replica of the DenseNet121 ImageNet weights file's layout, not those "
                                  "weights (random weights: the network has learned nothing)",
}
# Never the real data's names, which the episodes test to decide whether a real-data claim applies.
NAMES = {"mnist": "Replica of MNIST (not MNIST)", "cifar10": "Replica of CIFAR-10 (not CIFAR-10)",
         "dollar_street_10": "Replica of Dollar Street 10 (not Dollar Street 10)"}


def relative_paths(name: str) -> dict[str, str]:
    """Each replica file's path inside a replica folder: where Keras' cache keeps the real one."""
    if name == "cifar10":
        return {f: f"{CIFAR_BATCHES}/{f}" for f in CIFAR_FILES}
    resource = get(name)
    return {f.name: f"{resource.subdir}/{f.name}" for f in resource.files}


def folder() -> Path | None:
    """The replica folder COURSE_REPLICAS names (None when unset); a folder without REPLICAS.json is refused."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    where = Path(value).expanduser()
    if not (where / MANIFEST).is_file():
        from helpers.learner.data.cache import DataMissing

        raise DataMissing(f"{ENV}={value} is not a folder of course replicas (no {MANIFEST} in it). "
                          f"Make one with `python -m helpers replicas {value}`, or unset {ENV}.")
    return where


def files(name: str) -> dict[str, Path] | None:
    """The replica of resource ``name`` in the COURSE_REPLICAS folder, announced; None without one."""
    where = folder()
    if where is None:
        return None
    made = json.loads((where / MANIFEST).read_text()).get("resources", {})
    paths = {f: where / rel for f, rel in relative_paths(name).items()}
    if name not in made or not all(p.is_file() for p in paths.values()):
        return None
    print(f"REPLICA DATA: {ENV} holds {TITLES[name]}; this notebook runs on it to measure the full profile's "
          "time and memory. Its numbers are not the real data's, and every claim asserted only on the real "
          f"data is skipped. Run `python -m helpers fetch {name}` for the real one.")
    return paths
