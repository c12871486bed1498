"""Where the course's own folders are: the one computation of the repository's root.

In a clone (or its editable install) ``ROOT`` is the repository, holding ``masters/``, ``episodes/``,
``solutions/`` and ``data/``; in an assessment bundle it is the bundle's folder. Every layer reads it
from here (the builder, the site, the bundle, the set-up check), so they cannot disagree about it.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
