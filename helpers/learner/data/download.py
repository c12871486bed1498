"""Download one file: streamed, with a progress bar, atomic, verified.

The file is written to a temporary file of its own beside ``dest`` (a unique
name, so two processes fetching at once never write into each other's file)
and renamed into place only once its size and hash match, so an interrupted
or corrupt download never sits where Keras would pick it up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm


class DownloadError(RuntimeError):
    """A download failed or produced a file that did not verify."""


def file_digest(path: Path, algorithm: str) -> str:
    with open(path, "rb") as fh:
        if hasattr(hashlib, "file_digest"):  # Python 3.11+
            return hashlib.file_digest(fh, algorithm).hexdigest()
        digest = hashlib.new(algorithm)  # Python 3.10
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
        return digest.hexdigest()


def _partial_file(dest: Path) -> Path:
    """A new, unique ``<dest>.<random>.part`` beside ``dest``: on the same disk, so the final rename is atomic."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    os.close(handle)
    return Path(name)


def verify_file(path: Path, *, sha256: str | None = None, md5: str | None = None,
                size: int | None = None) -> str | None:
    """None when ``path`` matches what is known of it, else the reason it does not."""
    path = Path(path)
    if not path.is_file():
        return "missing"
    if size is not None and path.stat().st_size != size:
        return f"{path.stat().st_size} bytes, expected {size}"
    if sha256 and file_digest(path, "sha256") != sha256:
        return "SHA-256 does not match"
    if md5 and file_digest(path, "md5") != md5:
        return "MD5 does not match"
    return None


def download(url: str, dest: Path, *, sha256: str | None = None, md5: str | None = None,
             size: int | None = None, timeout: float = 30, progress: bool = True) -> Path:
    """Fetch ``url`` to ``dest`` unless a verified copy is already there."""
    dest = Path(dest)
    if verify_file(dest, sha256=sha256, md5=md5, size=size) is None:
        return dest
    part = _partial_file(dest)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or size
            with open(part, "wb") as out, tqdm(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
            ) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
        if total and part.stat().st_size != total:
            raise DownloadError(f"{url}: connection closed after {part.stat().st_size} of {total} bytes")
        problem = verify_file(part, sha256=sha256, md5=md5, size=size)
        if problem:
            raise DownloadError(f"{url}: the downloaded file is corrupt ({problem}); it was not kept")
        os.replace(part, dest)
    except DownloadError:
        part.unlink(missing_ok=True)
        raise
    except (OSError, ValueError) as exc:  # URLError, timeouts, cut connections
        part.unlink(missing_ok=True)
        raise DownloadError(f"could not download {url}: {exc}") from exc
    return dest


def copy_verified(src: Path, dest: Path, *, sha256: str | None = None, md5: str | None = None,
                  size: int | None = None) -> Path:
    """Copy a local file (a mirror, a USB stick) into the cache with the same guarantees."""
    problem = verify_file(src, sha256=sha256, md5=md5, size=size)
    if problem:
        raise DownloadError(f"{src}: {problem}; not copied")
    part = _partial_file(dest)
    try:
        shutil.copyfile(src, part)
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return dest
