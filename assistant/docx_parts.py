"""Pieces every Word export shares: text Word can store, a grid table, a bold label, a chart with its table.

``export`` (plans), ``progress`` (progress reports) and ``workshop.export``
(workshop records) build their documents from these, so a table or a chart
looks the same in every document.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx.shared import Cm

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text python-docx can store (XML forbids most control characters)."""
    return _XML_INVALID.sub("", text)


def table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    """A grid table: the header row, then one row per list of cell texts."""
    grid = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = xml_safe(text)


def labelled(doc: Any, label: str, text: str) -> None:
    """A paragraph with a bold label followed by its text."""
    p = doc.add_paragraph()
    p.add_run(label).bold = True
    p.add_run(xml_safe(text))


def chart_with_table(doc: Any, png: bytes, caption: str, header: list[str], rows: list[list[str]]) -> None:
    """A chart image, 16 cm wide, followed by the same figures as a table (its text alternative)."""
    doc.add_picture(io.BytesIO(png), width=Cm(16))
    doc.add_paragraph(caption)
    table(doc, header, rows)


def to_bytes(doc: Any) -> bytes:
    """The document as .docx bytes."""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
