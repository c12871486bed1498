"""Full-size replicas (helpers/author/replicas.py): the real files' names, formats, shapes and dtypes,
read only under COURSE_REPLICAS, announced, and never taken for the real data.

The real figures, with their sources:
- MNIST: keras.datasets.mnist.load_data's docstring, x_train (60000, 28, 28), y_train (60000,),
  x_test (10000, 28, 28), y_test (10000,), all uint8; Keras' file is datasets/mnist.npz.
- CIFAR-10: keras.datasets.cifar10.load_data's docstring, x_train (50000, 32, 32, 3), y_train
  (50000, 1), x_test (10000, 32, 32, 3), y_test (10000, 1), uint8; unpacked by Keras 3 into
  datasets/cifar-10-batches-py-target/cifar-10-batches-py/ (data_batch_1..5, test_batch, batches.meta).
- Dollar Street 10: The Carpentries' "Introduction to deep learning", episode "Advanced layer types"
  (carpentries-incubator/deep-learning-intro): train_images.shape (878, 64, 64, 3), values 0-255,
  train_labels.shape (878,), labels 0-9. The test count is not printed there: 293 is inferred from
  the lesson's prepare-dollar-street-data.ipynb (train_test_split's default 25% test share with 878
  training images means 1,171 images, 293 for test); its dtypes, int32 images and int64 labels
  (LabelEncoder), are that notebook's too (written for its 128-pixel version). Not verified against
  the Zenodo files, which cannot be fetched here.
- DenseNet121 notop: keras.applications.densenet's file name
  densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5 under models/, loaded by
  DenseNet121(include_top=False, weights=<path>).
"""

import json

import numpy as np
import pytest

from helpers.author import replicas as make_replicas
from helpers.learner.data import cache, loaders, registry, replicas

REAL = {
    "mnist": {"x_train": ((60000, 28, 28), "uint8"), "y_train": ((60000,), "uint8"),
              "x_test": ((10000, 28, 28), "uint8"), "y_test": ((10000,), "uint8")},
    "cifar10": {"x_train": ((50000, 32, 32, 3), "uint8"), "y_train": ((50000, 1), "uint8"),
                "x_test": ((10000, 32, 32, 3), "uint8"), "y_test": ((10000, 1), "uint8")},
    "dollar_street_10": {"train_images.npy": ((878, 64, 64, 3), "int32"), "train_labels.npy": ((878,), "int64"),
                         "test_images.npy": ((293, 64, 64, 3), "int32"), "test_labels.npy": ((293,), "int64")},
}


def test_the_real_figures_are_keras_own():
    """The figures above for MNIST and CIFAR-10 are the ones Keras' own docstrings assert."""
    import keras

    for name, loader in (("mnist", keras.datasets.mnist.load_data), ("cifar10", keras.datasets.cifar10.load_data)):
        doc = " ".join(loader.__doc__.split())
        for key, (shape, _) in REAL[name].items():
            assert f"assert {key}.shape == {shape}" in doc, (name, key)
    assert (make_replicas.MNIST_COUNTS, make_replicas.CIFAR_COUNTS) == ((60000, 10000), (50000, 10000))
    assert make_replicas.DOLLAR_STREET_COUNTS == (878, 293)


@pytest.fixture
def small(monkeypatch):
    """The writers with small counts: the format is the same, the test takes seconds."""
    monkeypatch.setattr(make_replicas, "MNIST_COUNTS", (600, 100))
    monkeypatch.setattr(make_replicas, "CIFAR_COUNTS", (500, 100))


def _keras_reads(module, path, monkeypatch):
    """What the real keras.datasets call returns when its download step hands it ``path``."""
    import importlib

    impl = importlib.import_module(f"keras.src.datasets.{module}")
    monkeypatch.setattr(impl, "get_file", lambda *a, **k: str(path))
    return impl.load_data()


def test_replicas_are_what_keras_own_loaders_read(small, tmp_path, monkeypatch):
    root = make_replicas.make(tmp_path / "r", ["mnist", "cifar10", "dollar_street_10"], out=lambda *_: None)
    (x_train, y_train), (x_test, y_test) = _keras_reads("mnist", root / "datasets/mnist.npz", monkeypatch)
    assert x_train.shape == (600, 28, 28) and x_test.shape == (100, 28, 28) and y_train.shape == (600,)
    assert x_train.dtype == y_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
    from keras.src.datasets.cifar import load_batch  # what cifar10.load_data reads each batch with (it wants
    # 10,000 per batch: the full-size test below runs load_data itself)

    batches = root / "datasets/cifar-10-batches-py-target/cifar-10-batches-py"
    data, labels = load_batch(str(batches / "data_batch_1"))
    assert data.shape == (100, 3, 32, 32) and data.dtype == np.uint8 and len(labels) == 100
    assert data.max() > 100 and set(labels) <= set(range(10))  # digits, tinted: not blank
    assert load_batch(str(batches / "test_batch"))[0].shape == (100, 3, 32, 32)
    for name, (shape, dtype) in REAL["dollar_street_10"].items():
        array = np.load(root / "datasets/dollar-street-10" / name, allow_pickle=False)
        assert (array.shape, str(array.dtype)) == (shape, dtype), name
    manifest = json.loads((root / "REPLICAS.json").read_text())
    assert set(manifest["resources"]) == {"mnist", "cifar10", "dollar_street_10"}


def test_the_loaders_use_a_replica_only_when_asked_and_announce_it(small, tmp_path, monkeypatch, capsys):
    root = make_replicas.make(tmp_path / "r", ["mnist", "cifar10", "dollar_street_10"], out=lambda *_: None)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("COURSE_PROFILE", "full")
    monkeypatch.delenv(replicas.ENV, raising=False)
    with pytest.raises(cache.DataMissing):  # no opt-in: the full profile says the data are missing
        loaders.load_mnist()
    monkeypatch.setenv(replicas.ENV, str(root))
    for load, name, shape in ((loaders.load_mnist, "mnist", (600, 28, 28)), (loaders.load_cifar10, "cifar10", (500, 32, 32, 3)),
                              (loaders.load_dollar_street, "dollar_street_10", (878, 64, 64, 3))):
        data = load()
        printed = capsys.readouterr().out
        assert data.stand_in and data.x_train.shape == shape, name
        assert printed.startswith("REPLICA DATA:") and replicas.TITLES[name] in printed and "skipped" in printed
        assert not data.name.startswith(("MNIST", "CIFAR-10")) and data.name != "Dollar Street 10"  # no real-data claim
    with pytest.raises(cache.DataMissing):  # no weights replica in this folder: the full profile stops as before
        loaders.densenet_weights()


def test_a_folder_without_a_manifest_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv(replicas.ENV, str(tmp_path))
    with pytest.raises(cache.DataMissing, match="python -m helpers replicas"):
        loaders.load_mnist()


def test_a_replica_in_keras_home_is_not_cached(small, tmp_path, monkeypatch, capsys):
    """Copied where the real files go, a replica stays "missing" for doctor, fetch and the full profile."""
    from helpers.cli import main

    home = tmp_path / "keras"
    make_replicas.make(home, ["mnist", "dollar_street_10"], out=lambda *_: None)  # the cache's own layout
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv(replicas.ENV, raising=False)
    assert (home / "datasets/mnist.npz").is_file() and (home / "datasets/dollar-street-10/train_images.npy").is_file()
    for name in ("mnist", "dollar_street_10"):
        assert not cache.is_cached(registry.RESOURCES[name]), name
    assert "replica" in cache.problem(registry.RESOURCES["dollar_street_10"])  # no digest: the mark decides
    main(["doctor"])
    out = capsys.readouterr().out
    assert "missing     mnist " in out and "missing     dollar_street_10 " in out
    monkeypatch.setenv("COURSE_PROFILE", "full")
    for load in (loaders.load_mnist, loaders.load_dollar_street):
        with pytest.raises(cache.DataMissing, match="not in the course cache"):
            load()
    tried = []

    def offline(url, dest, **kw):
        tried.append(dest.name)
        raise cache.DownloadError("offline")

    monkeypatch.setattr(cache, "download", offline)
    with pytest.raises(cache.DownloadError):  # fetch does not keep the replica: it fetches the real file
        cache.fetch(registry.RESOURCES["mnist"], progress=False)
    assert tried == ["mnist.npz"] and not (home / "datasets/mnist.npz").exists()
    with pytest.raises(cache.DownloadError, match="replica"):  # no digest to differ: the content check refuses it
        cache.fetch(registry.RESOURCES["dollar_street_10"], progress=False)
