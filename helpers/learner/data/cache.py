"""Where resources live (Keras' cache) and how they get there.

``fetch`` tries local mirrors first (an instructor's copied cache, Debian's
Fashion-MNIST), then the network; either way the file is verified before it
is put in place, and a cached file that no longer verifies is replaced.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.learner.data.download import DownloadError, copy_verified, download, verify_file
from helpers.learner.data.registry import RESOURCES, Resource


class DataMissing(FileNotFoundError):
    """A data set or weights file the course needs is not in the cache."""


def keras_home() -> Path:
    """Keras' own cache folder: ``KERAS_HOME``, else ``~/.keras`` (as Keras decides)."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser()
    home = Path("~").expanduser()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def paths(resource: Resource) -> dict[str, Path]:
    folder = keras_home() / resource.subdir
    return {f.name: folder / f.name for f in resource.files}


def problem(resource: Resource) -> str | None:
    """None when every file of ``resource`` is cached and verifies, else what is wrong."""
    where = paths(resource)
    for f in resource.files:
        issue = verify_file(where[f.name], sha256=f.sha256, md5=f.md5, size=f.size)
        if issue:
            return f"{f.name}: {issue}"
    if resource.content_check is not None:
        return resource.content_check(where)
    return None


def is_cached(resource: Resource) -> bool:
    return problem(resource) is None


def fetch_command(resource: Resource) -> str:
    return f"python -m helpers fetch {resource.name}"


def missing_message(resource: Resource) -> str:
    folder = keras_home() / resource.subdir
    files = ", ".join(f.name for f in resource.files)
    return (
        f"{resource.title} is not in the course cache ({problem(resource)}).\n"
        f"  Fetch it (needs internet):   {fetch_command(resource)}\n"
        f"  Or copy the files {files}\n"
        f"  from a machine that has them into {folder}/\n"
        f"  (an instructor's `python -m helpers fetch --all` fills that folder)."
    )


def require(resource: Resource) -> dict[str, Path]:
    """The verified paths of ``resource``, or :class:`DataMissing` saying how to get it."""
    if problem(resource):
        raise DataMissing(missing_message(resource))
    return paths(resource)


def fetch(resource: Resource, mirrors: tuple[str, ...] = (), progress: bool = True) -> dict[str, Path]:
    """Make ``resource`` present and verified, from a mirror folder or its URL."""
    where = paths(resource)
    for f in resource.files:
        dest = where[f.name]
        if verify_file(dest, sha256=f.sha256, md5=f.md5, size=f.size) is None:
            continue
        dest.unlink(missing_ok=True)  # corrupt or partial: never used
        local = [Path(m) / f.name for m in (*mirrors, *resource.mirrors) if (Path(m) / f.name).is_file()]
        if local:
            copy_verified(local[0], dest, sha256=f.sha256, md5=f.md5, size=f.size)
        else:
            download(f.url, dest, sha256=f.sha256, md5=f.md5, size=f.size, progress=progress)
    issue = resource.content_check(where) if resource.content_check else None
    if issue:
        for path in where.values():
            path.unlink(missing_ok=True)
        raise DownloadError(f"{resource.title}: {issue}; the files were removed, fetch again")
    return where


def status() -> dict[str, str | None]:
    """Each resource's problem (None when cached and verified)."""
    return {name: problem(resource) for name, resource in RESOURCES.items()}
