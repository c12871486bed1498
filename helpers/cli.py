"""The course's command line: ``python -m helpers {build,fetch,doctor,progress,grade,grades,bundle,site,room}``."""

from __future__ import annotations

import argparse
import sys


def _build(args) -> int:
    from helpers.author.build import MASTERS, ROOT, build, masters

    chosen = [MASTERS / f"{name}.py" for name in args.episodes] or masters()
    unknown = [path.stem for path in chosen if not path.is_file()]
    if unknown:
        print(f"No master for {', '.join(unknown)}; known: {', '.join(p.stem for p in masters())}")
        return 2
    differ = build(check=args.check, masters_=chosen)
    for path in differ:
        verb = "differs from its master (run `python -m helpers build`)" if args.check else "written"
        print(f"{path.relative_to(ROOT)}: {verb}")
    if args.check and differ:
        return 1
    print("All generated notebooks match their masters." if args.check or not differ else f"{len(differ)} file(s) built.")
    return 0


def _fetch(args) -> int:
    from helpers.learner.data import cache
    from helpers.learner.data.download import DownloadError
    from helpers.learner.data.registry import RESOURCES, get

    if not args.names and not args.all:
        print("Name what to fetch, or --all. Known:")
        for name, resource in RESOURCES.items():
            print(f"  {name:28s} {resource.title} ({resource.licence})")
        return 2
    names = list(RESOURCES) if args.all else args.names
    failed = []
    for name in names:
        try:
            resource = get(name)
        except KeyError as exc:
            print(exc.args[0])
            failed.append(name)
            continue
        try:
            cache.fetch(resource, mirrors=tuple(args.mirror), progress=not args.quiet)
            print(f"ok      {name}: {resource.title} in {cache.keras_home() / resource.subdir}")
        except (DownloadError, OSError) as exc:
            failed.append(name)
            print(f"FAILED  {name}: {exc}")
    if failed:
        print(f"\nNot fetched: {', '.join(failed)}. Without internet, copy the files from a machine that "
              f"has them (its {cache.keras_home()} folder) or pass --mirror DIR.")
        return 1
    return 0


def _doctor(args) -> int:
    from helpers.learner.doctor import run

    if args.room is None:
        if args.name is not None:
            print("--name is the name a live room shows; give the room's join URL too: --room URL --name NAME.")
            return 2
        return run(strict=args.strict).status
    from helpers.learner import room_client

    try:  # a mistyped URL is said at once, before the report's minute of work
        room_client.parse_join_url(args.room)
        name = room_client.clean_name(args.name) if args.name is not None else None
    except ValueError as exc:
        print(exc)
        return 2
    found = run(strict=args.strict)
    print(room_client.send_setup(args.room, name, found.setup()))
    return found.status  # the same with or without a room, and whether or not it answered


def _progress(args) -> int:
    from helpers.learner.summary import report

    return report(path=args.log)


def _grade(args) -> int:
    from pathlib import Path

    from helpers.instructor.grading.lms.run import grade_submissions
    from helpers.instructor.grading.sandbox import SandboxUnavailable

    if args.jobs is not None and args.jobs < 1:
        print("--jobs must be at least 1.")
        return 2
    try:
        grades = grade_submissions(args.paths, lms=args.lms, episode=args.episode,
                                   gradescope=Path(args.gradescope) if args.gradescope else None,
                                   csv_path=Path(args.csv) if args.csv else None,
                                   feedback=Path(args.feedback) if args.feedback else None, jobs=args.jobs,
                                   cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                                   profile=args.profile, progress=Path(args.progress) if args.progress else None,
                                   sandbox=args.sandbox, scheduler=args.scheduler, memory_gb=args.memory_gb)
    except SandboxUnavailable as exc:
        print(f"{exc}. Install bubblewrap (`apt install bubblewrap`), or choose --sandbox auto or none.")
        return 2
    except OSError as exc:  # a Dask scheduler that cannot be reached, an output folder we cannot write
        print(f"Grading could not start: {exc}")
        return 2
    return 0 if grades or args.gradescope else 1


def _bundle(args) -> int:
    from pathlib import Path

    from helpers.instructor.bundle import BundleError, write_assessment_bundle

    try:
        written = write_assessment_bundle(Path(args.out), withhold_hints=args.no_hints, force=args.force)
    except BundleError as exc:
        print(exc)
        return 2
    print(f"Assessment bundle in {written}: learner notebooks and a helpers package without solutions"
          + (" or hints." if args.no_hints else "."))
    return 0


def _site(args) -> int:
    from pathlib import Path

    from helpers.author.site import build_site

    try:
        build_site(Path(args.out), profile=args.profile, jobs=args.jobs, fresh=args.fresh,
                   allow_errors=args.allow_errors)
    except (RuntimeError, FileNotFoundError, ValueError) as exc:
        print(f"Site not built: {exc}")
        return 1
    return 0


def _replicas(args) -> int:
    from pathlib import Path

    from helpers.author import replicas

    unknown = [n for n in args.names if n not in replicas.ALL]
    if unknown:
        print(f"No replica of {', '.join(unknown)}; known: {', '.join(replicas.ALL)}")
        return 2
    replicas.make(Path(args.folder), args.names or replicas.ALL)
    return 0


def _room(args) -> int:
    from pathlib import Path

    from helpers.instructor.live_room import server

    if args.action == "revoke":
        return server.revoke(Path(args.db))
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"The live room's server needs Starlette and uvicorn ({exc}): pip install starlette uvicorn")
        return 2
    if not 0 <= args.port < 65536:
        print("--port must be between 0 (any free port) and 65535.")
        return 2
    return server.serve(Path(args.db), host=args.host, port=args.port, stuck_after=args.stuck_after,
                        stuck_minutes=args.stuck_minutes, max_learners=args.max_learners, new_tokens=args.new_tokens)


def _build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("episodes", nargs="*", help="only these episodes (e.g. 03-mnist); default all")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 and name what differs")


def _fetch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", help="resources to fetch (see `fetch` alone for the list)")
    p.add_argument("--all", action="store_true", help="every resource the course uses")
    p.add_argument("--mirror", action="append", default=[], metavar="DIR",
                   help="a local folder holding the files (e.g. a copied cache); tried before the network")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _doctor_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="also fail when data or weights are missing")
    p.add_argument("--room", metavar="URL", help="also send the verdict to a live room (its join URL)")
    p.add_argument("--name", help="the name the room shows (default $COURSE_ROOM_NAME, else learner-xxxx)")


def _progress_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log", default=None, help="results log (default: $COURSE_RESULTS)")


def _grade_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", help="notebooks, or folders searched for *.ipynb")
    p.add_argument("--csv", help="write one row per notebook, a column per exercise, total and status")
    p.add_argument("--feedback", metavar="DIR", help="write one Markdown feedback file per notebook")
    p.add_argument("--jobs", type=int, default=None, help="notebooks graded at once (default: CPU count)")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell (default 600)")
    p.add_argument("--notebook-timeout", type=float, default=1800, help="seconds allowed per notebook")
    p.add_argument("--profile", choices=["quick", "full"], default="quick", help="profile to run notebooks in")
    p.add_argument("--progress", help="progress file for resuming (default: next to --csv)")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto",
                   help="run each notebook and its judge in bubblewrap (auto: where it works, else warn)")
    p.add_argument("--memory-gb", type=float, default=8.0,
                   help="address space allowed to each sandboxed notebook, in GB (default 8)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="grade on a Dask distributed cluster (e.g. tcp://host:8786)")
    lms_cli = _lms_cli()
    if lms_cli:  # --lms, --episode, --gradescope
        lms_cli.add_grade_options(p)


def _lms_cli():
    """The LMS commands' parsers; None in an assessment bundle, which leaves the instructor's tools out."""
    try:
        from helpers.instructor.grading.lms import cli
    except ImportError:
        return None
    return cli


def _site_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="_build", help="build folder (default _build; the HTML goes to OUT/site)")
    p.add_argument("--profile", choices=["auto", "full", "quick"], default="auto",
                   help="auto (default): full where an episode's data are cached, else quick")
    p.add_argument("--jobs", type=int, default=1, help="notebooks executed at once (Sphinx -j)")
    p.add_argument("--fresh", action="store_true", help="rewrite every page (executed outputs stay cached)")
    p.add_argument("--allow-errors", action="store_true",
                   help="build even when a notebook fails (its page shows the traceback): previews only")


def _bundle_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--assessment", dest="out", required=True, metavar="OUT",
                   help="folder to write: the learner notebooks and a helpers package whose solution() is withheld")
    p.add_argument("--no-hints", action="store_true", help="withhold the hints too")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")


def _replicas_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder to write them into (use it with COURSE_REPLICAS=FOLDER)")
    p.add_argument("names", nargs="*", help="only these (mnist, cifar10, dollar_street_10, densenet121_imagenet_notop)")


def _room_arguments(p: argparse.ArgumentParser) -> None:
    room = p.add_subparsers(dest="action", required=True)
    q = room.add_parser("serve", help="start the room server and print the join and instructor URLs")
    q.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for the room's network)")
    q.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free port)")
    q.add_argument("--db", default="room.sqlite", help="room database: results and tokens (default room.sqlite)")
    q.add_argument("--stuck-after", type=int, default=3, metavar="N",
                   help="a learner is stuck on an exercise after more than N incorrect checks (default 3)")
    q.add_argument("--stuck-minutes", type=float, default=10.0, metavar="M",
                   help="... or M minutes after a first failing check without passing it (default 10)")
    q.add_argument("--max-learners", type=int, default=500, help="refuse new learners beyond this many (default 500)")
    q.add_argument("--new-tokens", action="store_true", help="replace the tokens first: old URLs stop working")
    q.set_defaults(run=_room)
    q = room.add_parser("revoke", help="replace the room's tokens: the old join and instructor URLs stop working")
    q.add_argument("--db", default="room.sqlite", help="room database (default room.sqlite)")
    q.set_defaults(run=_room)


COMMANDS = {  # name: (help, its arguments, what runs it); `--help` lists them in this order
    "build": ("write episodes/ and solutions/ from masters/", _build_arguments, _build),
    "fetch": ("download data sets and weights into Keras' cache", _fetch_arguments, _fetch),
    "doctor": ("check packages, GPU, a tiny model, disk, memory and cached data", _doctor_arguments, _doctor),
    "progress": ("summarise your exercise results", _progress_arguments, _progress),
    "grade": ("instructors: run and grade learners' notebooks", _grade_arguments, _grade),
    "site": ("build the executed course website into _build/site", _site_arguments, _site),
    "bundle": ("instructors: a learner bundle for an assessment (no solutions)", _bundle_arguments, _bundle),
    "replicas": ("authors: full-size replicas of the data (for timing the full profile)", _replicas_arguments, _replicas),
    "room": ("instructors: the live room (learners' check results as they happen)", _room_arguments, _room),
}


def parser() -> argparse.ArgumentParser:
    """The whole command line: one subcommand per entry of :data:`COMMANDS`."""
    command_line = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = command_line.add_subparsers(dest="command", required=True)
    lms_cli = _lms_cli()
    for name, (help_, arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_)
        arguments(p)
        p.set_defaults(run=run)
        if name == "grade" and lms_cli:  # `grades canvas|moodle|report`, beside `grade` (not in a bundle)
            lms_cli.add_grades_parser(sub)
    return command_line


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
