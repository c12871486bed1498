"""The live room's state: results, set-up checks, learners and the two access tokens, in one SQLite file.

SQLite (standard library) in WAL mode: a result is acknowledged to the learner only after its
transaction has committed, and a committed WAL transaction survives the server process being
killed (``synchronous=NORMAL`` can lose the last transactions only on a power cut or an OS crash,
not on a crash of the server). The tokens live here too, so restarting ``room serve`` on the same
file keeps the join and instructor URLs valid, and ``room revoke`` (which writes new ones) ends the
old ones' access, even for a server that is running: it reads the tokens on every request.

Each result carries an id chosen by the learner's client, so a batch re-sent after a lost reply
is stored once (``INSERT OR IGNORE``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    role TEXT PRIMARY KEY,            -- 'join' or 'instructor'
    token TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS learners (
    id TEXT PRIMARY KEY,              -- the client's random id (not a login)
    name TEXT NOT NULL,               -- chosen by the learner
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,          -- the client's id of this result (re-sends are ignored)
    learner TEXT NOT NULL REFERENCES learners(id),
    episode TEXT NOT NULL,
    exercise TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    checked TEXT NOT NULL,            -- when the learner ran the check (the learner's clock, ISO 8601)
    received REAL NOT NULL            -- when the room stored it (the server's clock, Unix seconds)
);
CREATE INDEX IF NOT EXISTS results_by_learner ON results(learner, seq);
CREATE TABLE IF NOT EXISTS setups (   -- each run of a learner's set-up check (`doctor --room`)
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,          -- the client's id of this run (a re-send is ignored)
    learner TEXT NOT NULL REFERENCES learners(id),
    ready INTEGER NOT NULL,           -- 1 ready, 0 not
    problem TEXT NOT NULL,            -- the first problem in one sentence ('' when ready)
    os TEXT NOT NULL,
    python TEXT NOT NULL,
    tensorflow TEXT NOT NULL,         -- '' when it does not import
    keras TEXT NOT NULL,
    cached TEXT NOT NULL,             -- JSON list of the course's resource names
    checked TEXT NOT NULL,            -- when the learner ran it (their clock, ISO 8601)
    received REAL NOT NULL            -- when the room stored it (the server's clock)
);
CREATE INDEX IF NOT EXISTS setups_by_learner ON setups(learner, seq);
"""

SETUP_COLUMNS = "s.seq, s.id, s.learner, l.name, s.ready, s.problem, s.os, s.python, s.tensorflow, s.keras, s.cached, s.checked, s.received"

ROLES = ("join", "instructor")


@dataclass(frozen=True)
class Tokens:
    join: str
    instructor: str


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Store:
    """One connection to the room's database (the server uses it from its event loop only)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- tokens ---------------------------------------------------------------------------------
    def tokens(self, create: bool = True) -> Tokens | None:
        """The room's tokens; made (once) when the database has none and ``create``."""
        rows = dict(self.db.execute("SELECT role, token FROM tokens").fetchall())
        if all(role in rows for role in ROLES):
            return Tokens(rows["join"], rows["instructor"])
        if not create:
            return None
        return self.revoke()

    def revoke(self) -> Tokens:
        """Replace both tokens: every URL given out so far stops working."""
        now = time.time()
        tokens = Tokens(new_token(), new_token())
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for role in ROLES:
                self.db.execute("INSERT OR REPLACE INTO tokens(role, token, created) VALUES (?, ?, ?)",
                                (role, getattr(tokens, role), now))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return tokens

    # -- results --------------------------------------------------------------------------------
    def add(self, learner_id: str, name: str, results: list[dict]) -> tuple[list[dict], int]:
        """Store a learner's batch in one transaction; return the new rows (as stored) and the duplicates."""
        now = time.time()
        stored = []
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self._learner_seen(learner_id, name, now)
            for r in results:
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO results(id, learner, episode, exercise, status, message, checked, received) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (r["id"], learner_id, r["episode"], r["exercise"], r["status"], r["message"], r["time"], now))
                if cursor.rowcount:
                    stored.append({"seq": cursor.lastrowid, "id": r["id"], "learner": learner_id, "name": name,
                                   "episode": r["episode"], "exercise": r["exercise"], "status": r["status"],
                                   "message": r["message"], "checked": r["time"], "received": now})
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return stored, len(results) - len(stored)

    def _learner_seen(self, learner_id: str, name: str, now: float) -> None:
        self.db.execute(
            "INSERT INTO learners(id, name, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET name=excluded.name, last_seen=excluded.last_seen",
            (learner_id, name, now, now))

    def add_setup(self, learner_id: str, name: str, setup: dict) -> dict | None:
        """Store one set-up check run (a transaction of its own); the row as stored, or None for a re-send."""
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self._learner_seen(learner_id, name, now)
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO setups(id, learner, ready, problem, os, python, tensorflow, keras, cached, "
                "checked, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (setup["id"], learner_id, int(setup["ready"]), setup["problem"], setup["os"], setup["python"],
                 setup["tensorflow"], setup["keras"], json.dumps(setup["cached"]), setup["time"], now))
            seq = cursor.lastrowid if cursor.rowcount else None
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if seq is None:
            return None
        return {"seq": seq, "id": setup["id"], "learner": learner_id, "name": name, "ready": bool(setup["ready"]),
                **{k: setup[k] for k in ("problem", "os", "python", "tensorflow", "keras", "cached")},
                "checked": setup["time"], "received": now}

    def setups(self, learner_id: str | None = None) -> list[dict]:
        """Every set-up run in the order the room received them (one learner's, when named), with names."""
        query = f"SELECT {SETUP_COLUMNS} FROM setups s JOIN learners l ON l.id = s.learner"
        if learner_id is None:
            rows = self.db.execute(query + " ORDER BY s.seq")
        else:
            rows = self.db.execute(query + " WHERE s.learner = ? ORDER BY s.seq", (learner_id,))
        return [{**dict(r), "ready": bool(r["ready"]), "cached": json.loads(r["cached"])} for r in rows]

    def learners(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT id, name, first_seen, last_seen FROM learners ORDER BY first_seen")]

    def learner(self, learner_id: str) -> dict | None:
        row = self.db.execute("SELECT id, name, first_seen, last_seen FROM learners WHERE id = ?", (learner_id,)).fetchone()
        return dict(row) if row else None

    def results(self, learner_id: str | None = None) -> list[dict]:
        """Every result in the order the room received them (one learner's, when named), with names."""
        query = ("SELECT r.seq, r.id, r.learner, l.name, r.episode, r.exercise, r.status, r.message, r.checked, "
                 "r.received FROM results r JOIN learners l ON l.id = r.learner")
        if learner_id is None:
            rows = self.db.execute(query + " ORDER BY r.seq")
        else:
            rows = self.db.execute(query + " WHERE r.learner = ? ORDER BY r.seq", (learner_id,))
        return [dict(r) for r in rows]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
