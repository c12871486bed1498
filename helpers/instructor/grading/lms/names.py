"""Who handed in a file: the learner's identity, read from the name the LMS's download gave it.

Pure functions of a file's path inside the download, so they can be tested on
many names. The schemes, as the LMSs' own code writes them:

* Canvas (``lib/content_zipper.rb``): ``<name>[_LATE]_<user id>_<attachment id>_<original name>``, where
  ``<name>`` is the sortable name in lower case with every non-word character removed, or ``anon_<id>``
  under anonymous grading. A text entry is ``<name>[_LATE]_<user id>_text.html``, a URL ``..._link.html``.
  The original name may carry Canvas's ``-1``, ``-2`` in odd places: the ids come from the prefix only.
* Moodle (``mod/assign/classes/downloader.php``): ``Full Name_<participant id>_assignsubmission_file/<file>``
  (folders on, the default), ``Full Name_<id>_assignsubmission_file_<file>`` (folders off); older versions
  end the folder with ``_``; blind marking writes ``Participant_<id>``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath

CANVAS_FILE = re.compile(r"^(?P<name>anon_[A-Za-z0-9]+|\w*?)(?P<late>_LATE)?_(?P<user>\d+)"
                         r"_(?P<attachment>\d+)_(?P<original>.+)$")
CANVAS_ANONYMOUS = re.compile(r"^anon_(?P<anon>[A-Za-z0-9]+)(?P<late>_LATE)?_(?:(?P<user>\d+)_)?"
                              r"(?P<attachment>\d+)_(?P<original>.+)$")
CANVAS_ENTRY = re.compile(r"^(?P<name>anon_[A-Za-z0-9]+|\w*?)(?P<late>_LATE)?_(?P<user>\d+)"
                          r"_(?P<kind>text|link)\.html$")
MOODLE_PART = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_(?P<plugin>assignsubmission_[a-z0-9]+)(?P<rest>_.*)?$")


@dataclass(frozen=True)
class Identity:
    """A learner as the LMS knows them. ``id``: Canvas's user id (or ``anon_…``) or Moodle's participant id."""
    lms: str
    id: str
    name: str
    late: bool = False
    folder: str = ""     # Moodle: the download's folder name, which its feedback-files zip must use again
    file: str = ""       # the learner's own file name (without the LMS's prefix)
    order: int = 0       # Canvas: the attachment id (later uploads have larger ones)
    entry: str = ""      # a text or URL entry ("text", "link") rather than a file

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("order", "entry")}


def canvas_identity(path: str) -> Identity | None:
    """The identity in a Canvas download's file name, or None when the name is not Canvas's."""
    name = PurePosixPath(path).name
    anonymous = CANVAS_ANONYMOUS.match(name)
    if anonymous and not CANVAS_ENTRY.match(name):
        who = anonymous["user"] or f"anon_{anonymous['anon']}"
        return Identity("canvas", who, f"anon_{anonymous['anon']}", bool(anonymous["late"]),
                        file=anonymous["original"], order=int(anonymous["attachment"]))
    entry = CANVAS_ENTRY.match(name)
    if entry:
        return Identity("canvas", entry["user"], entry["name"], bool(entry["late"]), file=name, entry=entry["kind"])
    found = CANVAS_FILE.match(name)
    if not found or not found["name"]:
        return None
    return Identity("canvas", found["user"], found["name"], bool(found["late"]), file=found["original"],
                    order=int(found["attachment"]))


def moodle_identity(path: str) -> Identity | None:
    """The identity in a Moodle download's path (folders on or off), or None when it is not Moodle's."""
    parts = PurePosixPath(path).parts
    for index, part in enumerate(parts):
        found = MOODLE_PART.match(part)
        if not found:
            continue
        rest = (found["rest"] or "").removeprefix("_")
        inside = "/".join([rest, *parts[index + 1:]] if rest else parts[index + 1:])
        folder = part if index + 1 < len(parts) else f"{found['name']}_{found['id']}_{found['plugin']}"
        name = found["name"]
        shown = f"Participant {found['id']}" if name == "Participant" else name
        entry = "text" if found["plugin"] == "assignsubmission_onlinetext" else ""
        return Identity("moodle", found["id"], shown, folder=folder, file=inside, entry=entry)
    return None


def detect(paths: list[str]) -> str:
    """"moodle", "canvas" or "" (a plain folder): the scheme that names most of the files."""
    moodle = sum(moodle_identity(p) is not None for p in paths)
    canvas = sum(canvas_identity(p) is not None for p in paths)
    if not paths or max(moodle, canvas) * 2 < len(paths):
        return ""
    return "moodle" if moodle >= canvas else "canvas"


def identity(lms: str, path: str) -> Identity | None:
    return moodle_identity(path) if lms == "moodle" else canvas_identity(path) if lms == "canvas" else None
