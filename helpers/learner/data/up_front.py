"""Check, in an episode's first data cell, that everything it will load is here.

Without it, a learner in the full profile meets a missing data set only when the
cell that loads it runs: after minutes of training, and once per data set. An
episode therefore calls :func:`check_data_up_front` with the loaders it uses; in
the full profile, if anything is missing, it stops that cell with one short
message (no traceback) that names every missing data set, gives the one command
that fetches them all and says how to switch to the quick profile from inside
the notebook. The quick profile only says which stand-ins are coming.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from helpers.learner.data import cache, replicas
from helpers.learner.data.registry import get
from helpers.learner.profile import is_quick


class DataNotReady(cache.DataMissing):
    """Data the episode needs are missing; shown in a notebook as its message alone.

    IPython shows what ``_render_traceback_`` returns in place of a traceback, and a failing
    cell stops "Run All" there: the learner reads what to do, not where in the helpers it was found.
    """

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def in_local_mirror(name: str) -> bool:
    """Every file of ``name`` is in one of its local mirror folders (Debian's Fashion-MNIST): its loader
    copies them into the cache, verified, without the network."""
    resource = get(name)
    return any(all((Path(m) / f.name).is_file() for f in resource.files) for m in resource.mirrors)


def _available(name: str) -> bool:
    """Cached and verified, in a local mirror, or replicated for a full-size run (the loaders take each)."""
    if cache.is_cached(get(name)) or in_local_mirror(name):
        return True
    with contextlib.redirect_stdout(io.StringIO()):  # the loader announces the replica when it uses it
        return bool(replicas.files(name))


def needed(*loaders) -> list[str]:
    """The registry names of what ``loaders`` (course loaders such as ``load_mnist``) read in the full profile."""
    names = []
    for loader in loaders:
        names += [name for name in getattr(loader, "resources", ()) if name not in names]
    return names


def not_ready_message(missing: list[str]) -> str:
    """What a learner reads when the full profile lacks ``missing`` (registry names)."""
    titles = "\n".join(f"  - {get(name).title}" for name in missing)
    return (
        f"This episode needs data that is not on this computer yet:\n{titles}\n"
        f"Fetch them all with one command, in a terminal in the course folder (needs internet):\n"
        f"    python -m helpers fetch {' '.join(missing)}\n"
        f"then run this cell again. (Or copy them from a computer that has them, into {cache.keras_home()}.)\n"
        f"No internet, or a slow laptop? Use the quick profile, which runs without them: put\n"
        f"    %env COURSE_PROFILE=quick\n"
        f"at the top of the set-up cell, run that cell, then this one."
    )


def check_data_up_front(*loaders) -> None:
    """Stop here (full profile) with one message if anything ``loaders`` will read is missing."""
    names = needed(*loaders)
    missing = [name for name in names if not _available(name)]
    if not missing:
        print("Everything this episode loads is here: " + ", ".join(get(name).title for name in names) + ".")
    elif is_quick():
        print("Quick profile: " + ", ".join(get(name).title for name in missing) + " not here; the cells that "
              "load them say what they use instead.")
    else:
        raise DataNotReady(not_ready_message(missing))
