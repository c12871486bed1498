"""A download from Canvas or Moodle (a zip, or the folder it unpacks to) as the notebooks to grade.

One notebook per learner: the latest of their notebooks of the assignment's
episode (Canvas: the largest attachment id; Moodle: the newest file). Every
other file is listed with the reason it was not graded: an older or second
notebook of the same learner, a notebook of another episode, a text or URL
entry, a PDF. Nothing is dropped silently.

The chosen notebooks are copied out of the download under names of their
own (Moodle gives every learner's file the same name), into a folder beside
the grades, so a rerun grades the same files and resumes.
"""

from __future__ import annotations

import collections
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from helpers.instructor.grading.lms.names import Identity, detect, identity

MAX_NOTEBOOK_BYTES = 50 * 2**20  # a notebook larger than this is listed, not unpacked (a zip bomb, a data file)


@dataclass
class Entry:
    """One file of the download: its path inside it, its time, and how to read it."""
    name: str
    mtime: float
    size: int
    source: Path
    member: str = ""  # the zip member; empty for a file on disk

    def read(self) -> bytes:
        if not self.member:
            return self.source.read_bytes()
        with zipfile.ZipFile(self.source) as archive, archive.open(self.member) as fh:
            return fh.read(MAX_NOTEBOOK_BYTES + 1)


@dataclass
class Intake:
    lms: str
    episode: str = ""
    notebooks: list[tuple[Path, Identity]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # file, learner, lms id, reason


def entries(paths: list[str]) -> list[Entry]:
    """Every file of the given zips and folders (a single notebook is a file too)."""
    found = []
    for path in map(Path, paths):
        if path.suffix.lower() == ".zip" and not (path.is_file() and zipfile.is_zipfile(path)):
            raise FileNotFoundError(f"{path} is not a zip file that can be read (not there, damaged, or its "
                                    "download did not finish)")
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir() and not _hidden(info.filename):
                        found.append(Entry(info.filename, _zip_time(info), info.file_size, path, info.filename))
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path).as_posix()
                if not _hidden(relative):
                    found.append(Entry(relative, file.stat().st_mtime, file.stat().st_size, file))
        elif path.is_file():
            found.append(Entry(path.name, path.stat().st_mtime, path.stat().st_size, path))
    return found


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))


def _zip_time(info: zipfile.ZipInfo) -> float:
    import datetime

    try:
        return datetime.datetime(*info.date_time).timestamp()
    except ValueError:
        return 0.0


def is_download(paths: list[str], lms: str | None = None) -> bool:
    """Whether to read the paths as an LMS's download: told so, a zip, or files named as an LMS names them."""
    return bool(lms) or any(Path(p).suffix.lower() == ".zip" for p in paths) or bool(detect([e.name for e in entries(paths)]))


def gather(paths: list[str], into: Path, lms: str | None = None, episode: str | None = None) -> Intake:
    """The notebooks to grade (copied into ``into``), one per learner, and what was left out and why."""
    found = entries(paths)
    lms = lms or detect([e.name for e in found]) or "canvas"
    intake = Intake(lms)
    by_learner: dict[tuple, list[tuple[Entry, Identity]]] = collections.defaultdict(list)
    for entry in found:
        who = identity(lms, entry.name)
        reason = _not_a_notebook(entry, who, lms)
        if reason:
            intake.skipped.append(_skipped(entry, who, reason))
        else:
            by_learner[(who.lms, who.id)].append((entry, who))
    into.mkdir(parents=True, exist_ok=True)
    episodes = {}
    for files in by_learner.values():
        for entry, who in files:
            episodes[entry.name] = _episode(entry, into / _flat_name(lms, entry, who))
    known = [e for e in episodes.values() if e and not e.startswith("!")]
    intake.episode = episode or (collections.Counter(known).most_common(1)[0][0] if known else "")
    for files in by_learner.values():
        _choose(intake, files, episodes, into)
    return intake


def _not_a_notebook(entry: Entry, who: Identity | None, lms: str) -> str:
    if who is None:
        return f"not named as {lms.title()} names a submission: no learner in its name"
    if who.entry == "text":
        return "a text entry, not a notebook"
    if who.entry == "link":
        return "a URL entry, not a notebook"
    if not entry.name.lower().endswith(".ipynb"):
        suffix = Path(entry.name).suffix.lower() or "no extension"
        return f"not a notebook ({suffix})"
    if entry.size > MAX_NOTEBOOK_BYTES:
        return f"a notebook of {entry.size / 2**20:.0f} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed"
    return ""


def _skipped(entry: Entry, who: Identity | None, reason: str) -> dict:
    return {"file": entry.name, "learner": who.name if who else "", "lms_id": who.id if who else "", "reason": reason}


def _flat_name(lms: str, entry: Entry, who: Identity) -> str:
    """A file name of its own for the copy: Canvas's names are unique; Moodle's folder and file joined."""
    name = Path(entry.name).name if lms == "canvas" else f"{who.folder.rstrip('_')}_{who.file}"
    return re.sub(r"[/\\\x00-\x1f]", "_", name).lstrip(".") or "submission.ipynb"


def _episode(entry: Entry, copy: Path) -> str:
    """Copy the notebook out and read its episode: the episode, or "!" and why it cannot be read."""
    from helpers.instructor.grading.plan import NotGradable, read_episode

    content = entry.read()
    if len(content) > MAX_NOTEBOOK_BYTES:
        return f"!a notebook over the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed"
    if not copy.exists() or copy.read_bytes() != content:
        copy.write_bytes(content)
    try:
        return read_episode(copy)[1]
    except NotGradable as exc:
        return f"!{exc}"


def _choose(intake: Intake, files: list[tuple[Entry, Identity]], episodes: dict[str, str], into: Path) -> None:
    """The learner's notebook to grade: their latest of the episode; else their latest at all (so that an
    unreadable one gets its status, as a plain folder's would). The rest is listed."""
    latest_first = sorted(files, key=lambda f: (f[1].order, f[0].mtime, f[0].name), reverse=True)
    right = [f for f in latest_first if episodes[f[0].name] == intake.episode]
    unknown = [f for f in latest_first if episodes[f[0].name].startswith("!")]
    chosen = (right or unknown or [None])[0]
    if chosen is not None:
        entry, who = chosen
        intake.notebooks.append((into / _flat_name(intake.lms, entry, who), who))
    for entry, who in latest_first:
        if chosen is not None and entry is chosen[0]:
            continue
        found = episodes[entry.name]
        if found.startswith("!"):
            reason = f"{found[1:]}; graded {chosen[0].name} instead" if chosen else found[1:]
        elif found != intake.episode:
            reason = f"a notebook of episode {found}, not of {intake.episode}"
        else:
            reason = f"an older notebook of the same learner; graded {chosen[0].name}"
        intake.skipped.append(_skipped(entry, who, reason))
