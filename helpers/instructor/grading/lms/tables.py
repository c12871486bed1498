"""The LMSs' CSV files read and written back with every cell we do not fill left as it was.

An export may start with a byte-order mark (Excel's hint that it is UTF-8),
use ``;`` (locales with a decimal comma) or ``,``, and hold quoted names with
commas, quotes and accents. What is written keeps the export's separator and
mark, through Python's ``csv`` module, and makes every cell that a spreadsheet
could run as a formula safe (:mod:`helpers.instructor.csv_cells`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.instructor.csv_cells import safe_cell

NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


class TableError(ValueError):
    """An export that cannot be read as the LMS writes it; the message says what to do."""


@dataclass
class Table:
    rows: list[list[str]]  # the header first
    delimiter: str = ","
    bom: bool = False

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    def column(self, *names: str) -> int:
        """The index of the first header that is one of ``names`` (ignoring case and spaces), else -1."""
        wanted = [n.strip().casefold() for n in names]
        for index, title in enumerate(self.header):
            if title.strip().casefold() in wanted:
                return index
        return -1


def read_table(path: Path) -> Table:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise TableError(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(f"{path} is not UTF-8: export it again as UTF-8 (the LMS's default), "
                         "or save it from the spreadsheet as 'CSV UTF-8'.") from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", ",", "\t"), key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise TableError(f"{path} is empty.")
    width = len(rows[0])
    return Table([row + [""] * (width - len(row)) for row in rows], delimiter, raw.startswith(codecs.BOM_UTF8))


def cell(value) -> str:
    """A cell as written: numbers and the LMSs' "-" as they are, any other text made safe from formulas."""
    text = "" if value is None else str(value)
    return text if text in ("", "-") or NUMBER.fullmatch(text) else safe_cell(text)


def write_table(table: Table, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig" if table.bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=table.delimiter)
        for row in table.rows:
            writer.writerow([cell(value) for value in row])


def parse_number(text: str) -> float | None:
    """A number as an LMS writes it ("10", "10.00", "10,00" with a decimal comma), else None."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "."))


def format_number(value: float, like: str = "") -> str:
    """At most two decimals, none when whole; with a decimal comma when ``like`` (the column's maximum) has one."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if "," in (like or "") and "." not in like else text
