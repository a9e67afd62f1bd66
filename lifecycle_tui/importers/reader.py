"""Opening a delimited text file the way shops export them: encoding, delimiter, physical lines.

* Encoding: a BOM wins (UTF-8 or UTF-16); else the file is checked as UTF-8 in chunks
  (fast, streaming) and read as Windows-1252 / Latin-1 when that fails.
* Delimiter: ``,`` ``;`` or tab, whichever the header row has most of (outside quotes).
* Lines: every record carries the physical line it starts on, so a quoted field with
  newlines inside does not shift the line numbers in error messages.

:func:`read_table` is the reusable entry point (the dispatch side reads unsubscribe and
bounce lists with it): it yields ``(line_number, {column: value})``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import deque
from itertools import islice
from pathlib import Path
from typing import Iterator

from lifecycle_tui.importers.errors import ImportRefused

_CHUNK = 1 << 20
_SEP_HINT = re.compile(r"\s*sep=([^\s\"\w])\s*", re.IGNORECASE)  # "sep=;" before the header (Excel)
DELIMITERS = (",", ";", "\t")


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise ImportRefused(f"{path}: no such file.")
    if path.is_dir():
        raise ImportRefused(f"{path}: is a folder, not a file.")
    if not os.access(path, os.R_OK):
        raise ImportRefused(f"{path}: cannot be read (permission denied).")


# Files a shop owner picks by mistake, by their first bytes (an .xlsx is a zip archive).
_NOT_TEXT = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx, Numbers or OpenDocument spreadsheet is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)
_SAVE_AS_CSV = "Open it in your spreadsheet, save it as CSV (UTF-8), and import that file."


def sniff_encoding(path: Path) -> str:
    """The text encoding of ``path``: ``utf-8-sig``, ``utf-16``, ``utf-8``, ``cp1252`` or ``latin-1``."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if head.startswith(codecs.BOM_UTF8):
                return _all_decodes(path, f, "utf-8-sig")
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return _all_decodes(path, f, "utf-16")
            for magic, what in _NOT_TEXT:
                if head.startswith(magic):
                    raise ImportRefused(f"{path}: this is {what}, not a CSV file. {_SAVE_AS_CSV}")
            if b"\x00" in head:
                raise ImportRefused(f"{path}: this is not a text file (it contains NUL bytes).")
            f.seek(0)
            for candidate in ("utf-8", "cp1252"):
                if _decodes(f, candidate):
                    return candidate
                f.seek(0)
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    return "latin-1"  # every byte is a Latin-1 character: the last resort never fails


def _all_decodes(path: Path, f, encoding: str) -> str:
    """``encoding``, which a byte-order mark promised, once the whole file is checked to be
    in it; else refused with the line of the first bad byte (rather than failing mid-import)."""
    f.seek(0)
    head = f.read(3)
    if encoding == "utf-8-sig":
        plain, start, name = "utf-8", 3, "UTF-8"
    else:
        plain, start, name = ("utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"), 2, "UTF-16"
    f.seek(start)
    bad = _bad_offset(f, plain)
    if bad is not None:
        f.seek(start)
        line = f.read(bad).decode(plain, errors="replace").count("\n") + 1
        raise ImportRefused(
            f"{path}: line {line}: not valid {name} text, though the file starts with a {name} byte-order mark. "
            "Save it again as UTF-8 and import it again."
        )
    return encoding


def _decodes(f, encoding: str) -> bool:
    return _bad_offset(f, encoding) is None


def _bad_offset(f, encoding: str) -> int | None:
    """How many bytes from where ``f`` stands decode before the first that does not, or None
    when the rest of the file decodes (read in chunks: fast, streaming)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0  # bytes handed to the decoder so far
    try:
        while chunk := f.read(_CHUNK):
            pending = len(decoder.getstate()[0])  # bytes of an unfinished character, held back
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return done - pending + exc.start
            done += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return done
    return None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header row uses most (quoted text ignored); ``,`` when none."""
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class Table:
    """An open delimited file: ``header`` (cells as written), then :meth:`rows`.

    Use as a context manager. ``bytes_read()`` / ``size`` drive progress bars.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        _check_readable(self.path)
        self.encoding = sniff_encoding(self.path)
        self.size = self.path.stat().st_size
        self._raw = open(self.path, "rb")
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        first = self._text.readline()
        self.header_line = 1  # the physical line the header is on
        hint = _SEP_HINT.fullmatch(first.rstrip("\r\n"))
        if hint:  # Excel's "sep=;" line: it names the delimiter, the header follows it
            self.delimiter, self.header_line = hint.group(1), 2
            first = self._text.readline()
        else:
            self.delimiter = sniff_delimiter(first)
        self._first_line = first
        self.header: list[str] = []
        header_rows = list(csv.reader([first], delimiter=self.delimiter)) if first.strip() else []
        if header_rows:
            self.header = [h.strip().lstrip("\ufeff") for h in header_rows[0]]

    def first_text(self) -> str:
        """The first line as read (for format detection of non-CSV files such as JSON Lines)."""
        return self._first_line

    def bytes_read(self) -> int:
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(physical line where the record starts, cells)`` for every non-blank record.

        A line without quotes (and without NUL or an over-long field, which the csv module
        refuses) is one record whose cells ``str.split`` finds exactly as the csv module
        would, at a fraction of the cost; any other line starts a record read by the csv
        module, which takes as many lines as the quoting spans.
        """
        for chunk in self.chunks(1000):
            yield from self.records(*chunk)

    def records(self, start: int, lines: list[str] | None, cells: list[str] | None) -> Iterator[tuple[int, list[str]]]:
        """The ``(line, cells)`` records of one item of :meth:`chunks`, blank ones (no cell with
        text) left out."""
        if lines is None:
            if any(map(str.strip, cells)):
                yield start, cells
            return
        delimiter = self.delimiter
        # A line of nothing but delimiters and spaces (",,,": what Excel leaves of a row whose
        # contents were cleared) is blank too.
        blank = delimiter + " \t\r\n"
        for n, text in enumerate(lines, start):
            if text.strip(blank):
                yield n, text.rstrip("\r\n").split(delimiter)

    def chunks(self, max_lines: int) -> Iterator[tuple[int, list[str] | None, list[str] | None]]:
        """The file after the header in file order, as ``(first line, lines, None)`` for runs of
        up to ``max_lines`` plain lines (no quote, NUL or over-long field: each is one record,
        blank ones included, its line ending kept) and ``(line, None, cells)`` for each record
        the csv module reads (a quoted one, which may span lines; ``cells`` may be empty).

        Runs are found a block at a time with C-level string checks; only a block that holds
        a quote goes line by line. :meth:`rows` is built on this, and the bulk order reader
        converts whole runs at once.
        """
        src = _Lines(iter(self._text))
        # strict: a quote that is never closed is an error, not a cell that swallows the rest
        # of the file (one stray " in a pasted name would import half a shop as one name).
        reader = csv.reader(src, delimiter=self.delimiter, strict=True)
        limit = csv.field_size_limit()
        n = self.header_line  # the header line (and a "sep=" line) were consumed before
        while block := src.take(max_lines):
            text = "".join(block)
            if '"' not in text and "\0" not in text and max(map(len, block)) < limit:
                yield n + 1, block, None
                n += len(block)
                continue
            src.put_back(block)
            run: list[str] = []
            while src.back:  # this block's lines one by one; a quoted record may read past them
                line = src.back.popleft()
                if '"' not in line and "\0" not in line and len(line) < limit:
                    run.append(line)
                    continue
                if run:
                    yield n + 1, run, None
                    n += len(run)
                    run = []
                src.back.appendleft(line)
                start, before = n + 1, reader.line_num
                try:
                    cells = next(reader, None)
                except csv.Error as exc:
                    raise self._unreadable(start, line, n + reader.line_num - before, exc) from None
                if cells is None:
                    return
                n += reader.line_num - before
                yield start, None, cells
            if run:
                yield n + 1, run, None
                n += len(run)

    def _unreadable(self, start: int, first: str, at: int, exc: csv.Error) -> ImportRefused:
        """The refusal for a record the csv module cannot read, which starts on line ``start``
        (its text ``first``) and failed on line ``at``: where the quoting goes wrong, in words."""
        where = f"{self.path}: line {start}"
        if str(exc) == "unexpected end of data":
            # The quote left open is in the start line's last cell (read leniently, alone).
            where += self._column_words(len(next(csv.reader([first], delimiter=self.delimiter), [""])) - 1)
            return ImportRefused(
                f"{where}: a quote opens in this cell and is never closed, so the rest of the file "
                'would be read into it. Remove the stray " or close the quote; nothing was imported.'
            )
        if "expected after" in str(exc):
            later = f" (on line {at})" if at > start else ""
            where += "" if later else self._column_words(_text_after_quote(first, self.delimiter))
            return ImportRefused(
                f"{where}: a quoted cell is followed by more text{later}: quote the whole cell and "
                'write each " inside it twice (""); nothing was imported.'
            )
        return ImportRefused(f"{where}: cannot read the CSV ({exc}); nothing was imported.")

    def _column_words(self, i: int | None) -> str:
        """``, column 'name'`` for the ``i``-th cell, or nothing when the header has no name for it."""
        if i is None or not 0 <= i < len(self.header) or not self.header[i]:
            return ""
        return f", column {self.header[i]!r}"

    def text_lines(self) -> Iterator[tuple[int, str]]:
        """``(line, text)`` of every line including the first (for JSON Lines)."""
        yield 1, self._first_line
        for n, line in enumerate(self._text, start=2):
            yield n, line

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _text_after_quote(line: str, delimiter: str) -> int | None:
    """The index of the cell in ``line`` whose closing quote is followed by more text (the
    csv module's rules: a quote opens quoting only as a cell's first character, ``""`` inside
    is one quote)."""
    cell, quoted, start, i = 0, False, True, 0
    while i < len(line):
        ch = line[i]
        if quoted and ch == '"':
            if line[i + 1:i + 2] == '"':
                i += 1
            else:
                quoted = False
                if line[i + 1:i + 2] not in (delimiter, "\r", "\n", ""):
                    return cell
        elif not quoted:
            if ch == '"' and start:
                quoted = True
            elif ch == delimiter:
                cell += 1
                start = True
                i += 1
                continue
        start = False
        i += 1
    return None


class _Lines:
    """The file's lines, with lines read ahead and not yet used put ``back`` in front."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.back: deque[str] = deque()

    def take(self, n: int) -> list[str]:
        """Up to ``n`` next lines (fewer only at the end of the file)."""
        if not self.back:
            return list(islice(self.lines, n))
        out = [self.back.popleft() for _ in range(min(n, len(self.back)))]
        if len(out) < n:
            out += islice(self.lines, n - len(out))
        return out

    def put_back(self, lines: list[str]) -> None:
        self.back.extendleft(reversed(lines))

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        return self.back.popleft() if self.back else next(self.lines)


def normalise_header(name: str) -> str:
    """``"Customer ID"`` -> ``customer_id``: lowercased, runs of other characters become ``_``."""
    out = []
    pending = False
    for ch in name.strip().lower():
        if ch.isalnum():
            if pending and out:
                out.append("_")
            pending = False
            out.append(ch)
        else:
            pending = True
    return "".join(out)


def header_index(header: list[str]) -> dict[str, int]:
    """Each normalised column name -> the position of its first column (a repeated name keeps the first)."""
    out: dict[str, int] = {}
    for i, h in enumerate(header):
        out.setdefault(normalise_header(h), i)
    return out


def read_table(path: str | os.PathLike, *, normalise: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, {column: value})`` for each record of a CSV/TSV file.

    Encoding and delimiter are sniffed; column names are normalised (``"E-mail Address"``
    -> ``e_mail_address``) unless ``normalise=False``. Raises :class:`ImportRefused` for a
    missing or unreadable file.
    """
    with Table(path) as table:
        names = [normalise_header(h) if normalise else h for h in table.header]
        width = len(names)
        for line, row in table.rows():
            if len(row) < width:
                row = row + [""] * (width - len(row))
            yield line, dict(zip(names, row))
