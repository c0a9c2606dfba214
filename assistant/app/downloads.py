"""Download buttons for exported files: the MIME type follows the file name's extension."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MIME_TYPES = {
    "md": "text/markdown",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def download(
    where: Any,
    label: str,
    data: str | bytes | Callable[[], str | bytes],
    file_name: str,
    *,
    key: str | None = None,
    icon: str = ":material/download:",
) -> None:
    """A download button in ``where`` (a column or ``st``); ``data`` may be a callable, built only on click."""
    where.download_button(
        label, data, file_name=file_name, mime=MIME_TYPES[file_name.rsplit(".", 1)[-1]], icon=icon, key=key
    )
