"""Starting the live room: ``python -m helpers room serve`` and ``room revoke``.

The server binds to 127.0.0.1 unless told otherwise, and says plainly what a wider address means
(anyone on the network who has the join URL can post results). It prints the two URLs: the join
URL to share with the room, and the instructor's URL to keep. uvicorn's access log is off, since
it would print every request's token.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

from helpers.instructor.live_room.store import Store

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def lan_address() -> str:
    """This machine's address on its network (the interface a route out would use; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def public_host(host: str) -> str:
    """The host learners should use: the bound one, or this machine's LAN address for a wildcard."""
    try:
        if ipaddress.ip_address(host).is_unspecified:
            return lan_address()
    except ValueError:
        pass
    return host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def urls(db: Path, host: str, port: int) -> tuple[str, str, str]:
    """``(public base URL, join URL, instructor URL)`` for the room in ``db`` (tokens made when new)."""
    store = Store(db)
    try:
        tokens = store.tokens()
    finally:
        store.close()
    base = f"http://{_url_host(public_host(host))}:{port}"
    return base, f"{base}/join/{tokens.join}", f"{base}/instructor?token={tokens.instructor}"


def revoke(db: Path) -> int:
    if not Path(db).exists():
        print(f"No room database at {db}; nothing to revoke.")
        return 2
    store = Store(db)
    try:
        store.revoke()
    finally:
        store.close()
    print(f"New tokens written to {db}: the old join and instructor URLs no longer work (a running server "
          "refuses them from now on). Run `python -m helpers room serve` with this --db to print the new URLs.")
    return 0


def _server_class():
    import asyncio

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, which also ends the open event streams when asked to stop (Ctrl+C, SIGTERM).

        Otherwise an instructor's open page would hold the shutdown until uvicorn's grace period
        ran out and cancelled it, with a traceback.
        """

        def __init__(self, config):
            super().__init__(config)
            self.loop = None

        async def startup(self, sockets=None):
            self.loop = asyncio.get_running_loop()
            await super().startup(sockets=sockets)

        def handle_exit(self, sig, frame):
            # Before uvicorn waits for open connections (the lifespan's end, which closes the store, comes after).
            room = getattr(self.config.app.state, "room", None)
            if self.loop is not None and room is not None:
                self.loop.call_soon_threadsafe(room.close_streams)
            super().handle_exit(sig, frame)

    return Server


def serve(db: Path, host: str = "127.0.0.1", port: int = 8765, stuck_after: int = 3, stuck_minutes: float = 10.0,
          max_learners: int = 500, new_tokens: bool = False) -> int:
    import uvicorn

    from helpers.instructor.live_room.app import create_app

    db = Path(db)
    try:  # bind first: the URLs are printed only for a room that is really listening
        listening = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        print(f"The room cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another --port "
              "(or stop the program that uses it).")
        return 2
    port = listening.getsockname()[1]
    if new_tokens and db.exists():
        store = Store(db)
        store.revoke()
        store.close()
    base, join_url, instructor_url = urls(db, host, port)
    app = create_app(db, public_url=base, stuck_after=stuck_after, stuck_minutes=stuck_minutes,
                     max_learners=max_learners)
    if host not in LOCAL_HOSTS:
        print(f"WARNING: the room listens on {host}, so every machine that can reach this one can connect; "
              "only holders of the join URL can post and only the instructor URL can read, over plain HTTP. "
              "Use it on the workshop's own network, and `room revoke` when the session ends.")
    else:
        print("The room listens on this machine only (127.0.0.1); learners on other machines need "
              "--host 0.0.0.0 (or this machine's address).")
    print(f"Room database: {db.resolve()} (results and tokens survive a restart)")
    print(f"Join URL (share with learners):  {join_url}")
    print(f"Instructor URL (keep it secret): {instructor_url}")
    print("Learners: `from helpers import room; room.join(\"<join URL>\", name=\"...\")` in a notebook, or "
          "COURSE_ROOM=<join URL> in the environment. Stop with Ctrl+C.", flush=True)
    # lifespan "on": the app's lifespan opens the room's store as the server starts and closes it as it stops
    config = uvicorn.Config(app, access_log=False, log_level="warning", timeout_graceful_shutdown=2, lifespan="on")
    try:
        _server_class()(config).run(sockets=[listening])
    except KeyboardInterrupt:
        pass
    finally:
        listening.close()
    return 0
