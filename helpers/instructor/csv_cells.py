"""CSV cells a spreadsheet shows as text and never runs: the live room's CSV and the LMS import files.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to Excel, LibreOffice and Google Sheets (a learner named
``=HYPERLINK(...)``). A leading apostrophe is the spreadsheets' own mark of
text: it is not shown, so the name reads as it was typed. :func:`unguard`
undoes :func:`safe_cell`, so a file written with it reads back exactly
(a text that already starts with an apostrophe and a formula character gets
one more, for the same reason).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV field a spreadsheet will not run as a formula (a name such as ``=HYPERLINK(...)``)."""
    text = str(value)
    if text[:1] in FORMULA_STARTS or (text[:1] == "'" and text[1:2] in FORMULA_STARTS + ("'",)):
        return "'" + text
    return text


def unguard(text: str) -> str:
    """The text :func:`safe_cell` was given."""
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS + ("'",):
        return text[1:]
    return text
