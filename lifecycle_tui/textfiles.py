"""Reading the owner's small text files (templates, rule files) as UTF-8, with the place of a
byte that is not (no UI imports)."""

from __future__ import annotations

from pathlib import Path


class NotUtf8Error(ValueError):
    """The file is not UTF-8 text; the message names the file, line and column of the first bad byte."""


def read_utf8(path: str | Path) -> str:
    """The file's text (a UTF-8 byte-order mark dropped). Raises :class:`NotUtf8Error`, or OSError
    when the file cannot be read."""
    path = Path(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters, as an editor shows them: the line's text before the bad byte.
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8-sig", "replace")) + 1
        raise NotUtf8Error(
            f"{path}: line {line}, column {column}: not UTF-8 text (byte 0x{data[exc.start]:02x}; "
            "a Windows or Latin-1 file?): save it as UTF-8 and try again"
        ) from None
