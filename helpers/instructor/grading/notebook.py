"""Grade one learner notebook in four steps: plan, instrument, execute, collect.

Trust model. Nothing the learner's kernel says decides a grade: not the
notebook's outputs, not its check cells, not its results log, not what the
grader's own cells print there. The kernel only *exports* each exercise's
inputs as data, at the check cell's place (:mod:`.kernel_export`); the grader
copies them out of the kernel's reach at once (:func:`.artifacts.capture`)
and a judge process of its own, which the learner's code never touches,
loads them as untrusted data and grades them (:mod:`.judge`). Kernel and
judge run in a bubblewrap sandbox (:mod:`.sandbox`) where it is available.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from helpers.instructor.grading.plan import NotGradable, Plan, make_plan
from helpers.instructor.grading.results import ExerciseGrade, NotebookGrade
from helpers.instructor.grading.sandbox import MEMORY_LIMIT_GB, Sandbox, choose

EXPORTS = ".grader-export"
INTERRUPT_GRACE_S = 5  # after a cell's time limit and the interrupt, how long before the kernel is stopped
SANDBOX_SIGNS = [("Read-only file system", "a write outside the notebook's folder"),
                 ("Network is unreachable", "a network connection"),
                 ("Connection refused", "a network connection"),
                 ("Temporary failure in name resolution", "a network connection"),
                 ("Name or service not known", "a network connection")]
_EXPORT_SOURCE = (Path(__file__).parent / "kernel_export.py").read_text(encoding="utf-8")
_EXPORT_CELL = '''def _course_grader_export():
    namespace = {{"__name__": "course_grader_export"}}
    exec(compile({source!r}, "<course grader: export>", "exec"), namespace)
    namespace["export_arguments"]({folder!r}, {args!r}, globals())
_course_grader_export()
del _course_grader_export
'''


# ------------------------------------------------------------------ step 2: instrument
def instrument(plan: Plan, work: Path) -> tuple[nbformat.NotebookNode, dict[int, tuple[str, Path]]]:
    """The notebook to run: the learner's cells with an export cell before each check cell.

    Returns it and, for each export cell's index, the exercise and the folder it exports to.
    """
    run = nbformat.v4.new_notebook(metadata=plan.notebook.metadata)
    exports: dict[int, tuple[str, Path]] = {}
    by_place: dict[int, list[str]] = {}
    for index, name in plan.places:
        by_place.setdefault(index, []).append(name)
    for index in range(len(plan.notebook.cells) + 1):
        for name in by_place.get(index, []):
            folder = work / EXPORTS / f"{len(exports):02d}-{name}"
            exports[len(run.cells)] = (name, folder)
            run.cells.append(nbformat.v4.new_code_cell(_EXPORT_CELL.format(
                source=_EXPORT_SOURCE, folder=str(folder), args=plan.exercises[name].grade_args)))
        if index < len(plan.notebook.cells):
            run.cells.append(plan.notebook.cells[index])
    return run, exports


# ------------------------------------------------------------------ the kernel, sandboxed
class KernelWouldNotStart(RuntimeError):
    """Every try to start a kernel ended before it answered."""


def kernel_manager(kernel_name: str, work: Path, sandbox: Sandbox):
    """A kernel manager whose kernel talks over ipc sockets in ``work`` and starts inside ``sandbox``.

    ipc, not TCP: a sandboxed kernel has no network, not even loopback, and
    files in the notebook's own folder need no free port (kernels started side
    by side used to race for ports).
    """
    from jupyter_client import AsyncKernelManager as KernelManager  # what nbclient drives (a sync one deadlocks on interrupt)

    class SandboxedKernelManager(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return sandbox.wrap(super().format_kernel_cmd(extra_arguments), writable=[str(work)], cwd=str(work))

    manager = SandboxedKernelManager(kernel_name=kernel_name, transport="ipc", ip=str(work / "kernel"),
                                     connection_file=str(work / "kernel.json"))
    if sandbox.active:
        # a signal to bwrap does not reach the kernel in its own session: interrupt by message instead
        manager.kernel_spec.interrupt_mode = "message"
    return manager


def start_kernel(stack: contextlib.ExitStack, client, make_manager, tries: int = 3, **kwargs) -> None:
    """Start the client's kernel inside ``stack``, trying again when it dies before it answers.

    A kernel can exit at once for reasons of the machine, not the learner
    (nothing of the learner's has run yet), so starting again is safe and
    grades the same.
    """
    for attempt in range(1, tries + 1):
        client.km = make_manager()
        try:
            stack.enter_context(client.setup_kernel(**kwargs))
            return
        except RuntimeError as exc:
            if "before replying to kernel_info" not in str(exc):
                raise
            client.km = client.kc = None  # nbclient has shut down what it started
            if attempt == tries:
                raise KernelWouldNotStart(f"the kernel died while starting, {tries} times") from exc
            time.sleep(attempt)


def kernel_env(work: Path, profile: str, sandbox: Sandbox) -> dict:
    """The kernel's environment: in the sandbox only what a notebook needs (no tokens of the instructor's)."""
    from helpers.learner.data import keras_home

    course = {"COURSE_PROFILE": profile, "COURSE_RESULTS": str(work / "learner-log.jsonl"), "MPLBACKEND": "Agg",
              "KERAS_HOME": str(keras_home()), "IPYTHONDIR": str(work / ".ipython"),
              "MPLCONFIGDIR": str(work / ".matplotlib")}
    if not sandbox.active:
        return {**os.environ, **course}
    kept = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL",
                                             "KERAS_BACKEND", "OMP_NUM_THREADS", "JUPYTER_PATH")
            if key in os.environ}
    return {**kept, "HOME": str(work), **course}


# ------------------------------------------------------------------ the judge
class Judge:
    """The judge process of one notebook (see :mod:`.judge`): requests go in as exports land."""

    def __init__(self, sandbox: Sandbox, captured: Path, env: dict):
        command = sandbox.wrap([sys.executable, "-m", "helpers.instructor.grading.judge"], writable=[],
                               cwd=str(captured), readonly=[str(captured)])
        env = {**env, "HOME": "/tmp" if sandbox.active else env.get("HOME", "/tmp")}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, env=env, cwd=str(captured))
        self.asked: list[str] = []

    def ask(self, module: str, exercise: str, folder: Path) -> None:
        try:
            self.process.stdin.write(json.dumps({"module": module, "exercise": exercise, "folder": str(folder)}) + "\n")
            self.process.stdin.flush()
            self.asked.append(exercise)
        except (BrokenPipeError, OSError):
            pass

    def answers(self, timeout: float) -> tuple[dict[str, dict], str]:
        """The judge's record per exercise asked, and a note when it failed or ran out of time."""
        note = ""
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
            note = f"the judge did not finish within {timeout:.0f} s"
        records = {}
        for name, line in zip(self.asked, out.splitlines()):
            try:
                records[name] = json.loads(line)
            except json.JSONDecodeError:
                records[name] = {"status": "error", "message": "The judge's answer was unreadable."}
        if len(records) < len(self.asked) and not note:
            note = f"the judge stopped (exit status {self.process.returncode})"
        return records, note

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# ------------------------------------------------------------------ step 3: execute
def describe_error(errors: list[dict], cell_number: int, sandbox: Sandbox) -> tuple[str, list[str]]:
    """A cell's first error in one line for the feedback, and what it says about the run for the status."""
    first = errors[0]
    value = str(first.get("evalue") or "").splitlines()
    text = f"cell {cell_number}: {first.get('ename')}: {value[0][:200] if value else ''}"
    names = {o.get("ename") for o in errors}
    problems = []
    if sandbox.active:
        blocked = [f"sandbox blocked {why}" for sign, why in SANDBOX_SIGNS if sign in text]
        if "FileNotFoundError" in names and any(h in text for h in sandbox.hidden):
            blocked.append("sandbox hid a submission or the grader's files")
        problems += blocked[:1]
        if "MemoryError" in names:
            problems.append(f"memory limit ({sandbox.memory_gb:g} GB) reached")
    if names & {"CellTimeoutError", "KeyboardInterrupt"}:
        problems.append("cell timed out")
    return text, problems


class _Execution:
    """One run of an instrumented notebook: its kernel's client, its judge, and what the run said (statuses)."""

    def __init__(self, plan: Plan, grade: NotebookGrade, work: Path, captured: Path, sandbox: Sandbox, env: dict,
                 run, exports: dict, cell_timeout: float, notebook_timeout: float, kernel_name: str, started: float):
        from nbclient import NotebookClient

        self.plan, self.grade, self.work, self.captured, self.sandbox, self.env = plan, grade, work, captured, sandbox, env
        self.run, self.exports, self.kernel_name = run, exports, kernel_name
        self.cell_timeout, self.notebook_timeout, self.started = cell_timeout, notebook_timeout, started
        self.statuses: list[str] = []
        self.refused: dict[str, str] = {}  # exercise -> why its export was not captured
        self.stopped = False
        self.judge = Judge(sandbox, captured, env)
        self.client = NotebookClient(run, timeout=cell_timeout, kernel_name=kernel_name, allow_errors=True,
                                     interrupt_on_timeout=True, resources={"metadata": {"path": str(work)}})

    def stop_kernel(self) -> None:
        """The cell ran past its time and the interrupt did not end it (signals ignored, a loop in an
        exception handler): end the kernel's process, and with it the sandbox."""
        process = getattr(getattr(self.client.km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            self.stopped = True
            process.kill()

    def run_cell(self, cell, index: int, timeout: float) -> None:
        self.client.timeout = timeout
        watchdog = threading.Timer(timeout + INTERRUPT_GRACE_S, self.stop_kernel)
        watchdog.daemon = True
        watchdog.start()
        try:
            self.client.execute_cell(cell, index)
        finally:
            watchdog.cancel()

    def export(self, cell, index: int) -> None:
        """Run an export cell; capture what it wrote and hand it to the judge."""
        from helpers.instructor.grading.artifacts import capture

        name, folder = self.exports[index]
        self.run_cell(cell, index, self.cell_timeout)
        target = self.captured / folder.name
        note = capture(folder, target)
        if note and not target.joinpath("manifest.json").exists():
            self.refused[name] = note
        self.judge.ask(self.plan.module, name, target)

    def learner_cell(self, cell, index: int) -> None:
        """Run one of the learner's code cells within what is left of the notebook's time; note its error."""
        remaining = self.notebook_timeout - (time.monotonic() - self.started)
        if remaining <= 0:
            self.statuses.append("timed out")
            return
        self.run_cell(cell, index, max(1, min(self.cell_timeout, remaining)))
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            self.grade.errors += 1
            number = index - sum(1 for i in self.exports if i < index) + 1
            text, problems = describe_error(errors, number, self.sandbox)
            if len(self.grade.cell_errors) < 10:
                self.grade.cell_errors.append(text)
            self.statuses += problems

    def cells(self) -> None:
        """Every cell in a kernel of its own (sandboxed where it can be); a failed run becomes a status."""
        from nbclient.exceptions import DeadKernelError

        try:
            with contextlib.ExitStack() as kernel:
                start_kernel(kernel, self.client, lambda: kernel_manager(self.kernel_name, self.work, self.sandbox),
                             env=self.env, cwd=str(self.work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for index, cell in enumerate(self.run.cells):
                    if index in self.exports:
                        self.export(cell, index)
                    elif cell.cell_type == "code" and "timed out" not in self.statuses:
                        self.learner_cell(cell, index)
        except DeadKernelError:
            if self.stopped:
                self.statuses.append("cell timed out; it ignored the interrupt, so the grader stopped the kernel")
            else:
                self.statuses.append("kernel died" + (f" (memory limit {self.sandbox.memory_gb:g} GB, or the notebook "
                                                      "ended it)" if self.sandbox.active else ""))
        except KernelWouldNotStart as exc:
            self.statuses.append(f"grader error: {exc}")
        except Exception as exc:  # a kernel that cannot start, a broken notebook cell
            self.statuses.append(f"grader error: {type(exc).__name__}: {exc}")


def execute(plan: Plan, grade: NotebookGrade, work: Path, captured: Path, sandbox: Sandbox, profile: str,
            cell_timeout: float, notebook_timeout: float, kernel_name: str, started: float) -> tuple[dict, list[str]]:
    """Run the instrumented notebook; capture each export and hand it to the judge.

    Returns the judge's records per exercise and the statuses of the run.
    """
    run, exports = instrument(plan, work)
    env = kernel_env(work, profile, sandbox)
    execution = _Execution(plan, grade, work, captured, sandbox, env, run, exports, cell_timeout, notebook_timeout,
                           kernel_name, started)
    try:
        execution.cells()
        remaining = max(60.0, notebook_timeout - (time.monotonic() - started))
        records, note = execution.judge.answers(timeout=remaining)
    finally:
        execution.judge.close()
    for name, why in execution.refused.items():
        records.setdefault(name, {"status": "error", "message": f"Not graded: {why}."})
    statuses = execution.statuses
    if note:
        statuses.append(f"grader error: {note}")
    return records, statuses


# ------------------------------------------------------------------ step 4: collect
def collect(plan: Plan, grade: NotebookGrade, records: dict[str, dict], statuses: list[str]) -> NotebookGrade:
    """Exercise grades in the episode's order, points as the grader's exercises define them, and the status."""
    for name, exercise in plan.exercises.items():
        record = records.get(name) or {"status": "error",
                                       "message": "Not graded: the notebook stopped before this exercise."}
        grade.exercises[name] = ExerciseGrade.from_record(name, record, exercise.points)
    grade.status = ", ".join(dict.fromkeys(statuses)) or (
        f"graded ({grade.errors} cell(s) raised)" if grade.errors else "graded")
    return grade


# ------------------------------------------------------------------ all four
def grade_notebook(path: Path, profile: str = "quick", cell_timeout: float = 600, notebook_timeout: float = 1800,
                   kernel_name: str = "python3", sandbox: Sandbox | str = "auto",
                   shown_as: str | None = None, memory_gb: float = MEMORY_LIMIT_GB) -> NotebookGrade:
    """Execute and grade one notebook; never raises.

    ``sandbox``: a :class:`Sandbox`, or "auto", "bwrap" or "none" (then chosen here, with the
    notebook's own folder hidden). ``shown_as``: the name reported (when ``path`` is a copy).
    """
    path = Path(path)
    grade = NotebookGrade.for_path(shown_as or path)
    started = time.monotonic()
    try:
        if isinstance(sandbox, str):
            sandbox = choose(sandbox, hidden=[str(path.resolve().parent)], memory_gb=memory_gb)
        grade.sandbox = "bwrap" if sandbox.active else f"none ({sandbox.reason})"
        plan = make_plan(path)
    except NotGradable as exc:
        grade.status = str(exc)
        return grade
    except Exception as exc:
        grade.status = f"grader error: {type(exc).__name__}: {exc}"
        return grade
    grade.episode = plan.episode
    with tempfile.TemporaryDirectory(prefix="grade-") as work, \
            tempfile.TemporaryDirectory(prefix="graded-") as captured:
        records, statuses = execute(plan, grade, Path(work), Path(captured), sandbox, profile, cell_timeout,
                                    notebook_timeout, kernel_name, started)
    collect(plan, grade, records, statuses)
    grade.seconds = round(time.monotonic() - started, 1)
    return grade


def grade_notebook_content(name: str, content: bytes, **options) -> NotebookGrade:
    """Grade a notebook sent as bytes (by a Dask worker that shares no folder with the instructor)."""
    with tempfile.TemporaryDirectory(prefix="submission-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(content)
        return grade_notebook(path, shown_as=name, **options)
