"""``--suite-times PATH``: each declared suite's count and seconds from a run of several suites at once.

.ci/run runs every marked suite in one pytest command, so that both cores stay busy to its end; this
plugin (``-p tests.support.suite_times``) reads every test's report on the controller, sums each suite's
tests and seconds, prints the table and writes it as JSON for benchmarks/README.md. A suite that the
command selects but that ran no test at all fails the run: a suite that vanished is not a green one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.suites import declared, selects


def pytest_addoption(parser):
    parser.addoption("--suite-times", metavar="PATH", default=None,
                     help="write each declared suite's test count and seconds to PATH (JSON) and print them")


def pytest_configure(config):
    if config.getoption("suite_times") and not hasattr(config, "workerinput"):  # on the controller only
        config.pluginmanager.register(SuiteTimes(config), "suite_times_table")


def table(tests: dict[str, dict], markers: list[str]) -> dict[str, dict]:
    """{marker: tests, passed, failed, skipped, seconds} from {test id: markers, outcome, seconds}."""
    rows = {m: {"tests": 0, "passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0} for m in markers}
    for test in tests.values():
        for marker in test["markers"]:
            row = rows[marker]
            row["tests"] += 1
            row[test["outcome"]] += 1
            row["seconds"] += test["seconds"]
    for row in rows.values():
        row["seconds"] = round(row["seconds"], 1)
    return rows


def vanished(rows: dict[str, dict], expression: str) -> list[str]:
    """The suites that ``-m expression`` selects but that ran no test."""
    return [m for m, row in rows.items() if selects(expression, m) and row["tests"] == 0]


class SuiteTimes:
    def __init__(self, config):
        self.config = config
        self.markers = declared((Path(config.rootpath) / "pyproject.toml").read_text(encoding="utf-8"))
        self.tests: dict[str, dict] = {}
        self.rows: dict[str, dict] = {}
        self.gone: list[str] = []

    def pytest_runtest_logreport(self, report):
        test = self.tests.setdefault(report.nodeid, {"seconds": 0.0, "outcome": "passed", "markers": []})
        test["seconds"] += report.duration
        test["markers"] = sorted(set(report.keywords) & set(self.markers))
        if report.outcome != "passed" and test["outcome"] != "failed":
            test["outcome"] = report.outcome

    def pytest_sessionfinish(self, session):
        self.rows = table(self.tests, self.markers)
        Path(self.config.getoption("suite_times")).write_text(json.dumps(self.rows, indent=1), encoding="utf-8")
        self.gone = vanished(self.rows, self.config.getoption("markexpr") or "")
        if self.gone and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("each suite: its tests, and their seconds summed over the workers")
        for marker, row in self.rows.items():
            terminalreporter.write_line(f"-m {marker}: {row['tests']} tests ({row['passed']} passed, "
                                        f"{row['failed']} failed, {row['skipped']} skipped), {row['seconds']:.0f} s")
        for marker in self.gone:
            terminalreporter.write_line(f"-m {marker} is selected but ran no test: a suite has vanished", red=True)
