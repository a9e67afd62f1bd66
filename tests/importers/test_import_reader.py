"""Opening files: encodings, delimiters, physical line numbers, header names, read_table."""

from __future__ import annotations

import csv

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import FIXTURES

from lifecycle_tui.importers import ImportRefused, Table, normalise_header, read_table
from lifecycle_tui.importers.reader import sniff_delimiter


def test_bom_is_not_part_of_the_first_column():
    with Table(FIXTURES / "bom_customers.csv") as t:
        assert t.encoding == "utf-8-sig"
        assert t.header[0] == "customer_id"
    rows = list(read_table(FIXTURES / "bom_customers.csv"))
    assert rows == [(2, {"customer_id": "B1", "email": "zoe@example.com", "first_name": "Zoë", "last_name": "Ångström"})]


@pytest.mark.parametrize("bom, encoding, name", [(b"\xef\xbb\xbf", "utf-8", "UTF-8"), (b"\xff\xfe", "utf-16-le", "UTF-16")])
def test_a_byte_order_mark_with_bad_text_after_it_is_refused_with_its_line(tmp_path, bom, encoding, name):
    p = tmp_path / "b.csv"
    good = "a,b\n1,2\n3,4\n".encode(encoding)
    bad = b"\xff\xff" if name == "UTF-8" else b"\x00\xd8\x41\x00"  # a lone surrogate in UTF-16
    p.write_bytes(bom + good + bad + "5\n".encode(encoding))
    with pytest.raises(ImportRefused, match=f"line 4: not valid {name} text"):
        Table(p)


def test_latin1_falls_back_and_reads_accents():
    with Table(FIXTURES / "latin1_customers.csv") as t:
        assert t.encoding in ("cp1252", "latin-1")
    names = [r["first_name"] + " " + r["last_name"] for _, r in read_table(FIXTURES / "latin1_customers.csv")]
    assert names == ["José Müller", "Françoise Señor"]


def test_delimiters_sniffed():
    assert sniff_delimiter("a;b;c\n") == ";"
    assert sniff_delimiter("a\tb\tc\n") == "\t"
    assert sniff_delimiter('"x;y",b,c\n') == ","
    assert sniff_delimiter("single\n") == ","
    rows = list(read_table(FIXTURES / "tab_customers.tsv"))
    assert rows[0][1]["tags"] == "vip, cats"
    rows = list(read_table(FIXTURES / "semicolon_orders.csv"))
    assert rows[0][1]["total"] == "12,50"


@pytest.mark.parametrize("hint", ["sep=;", "SEP=;\r", " sep=; "])
def test_an_excel_sep_line_names_the_delimiter_and_line_numbers_stay_physical(tmp_path, hint):
    # "sep=;" tells Excel the delimiter; the header follows it (here with more commas than ";").
    p = tmp_path / "x.csv"
    p.write_text(f"{hint}\nid;note\n1;a,b,c\n2;\"x;y\"\n", encoding="utf-8")
    with Table(p) as t:
        assert (t.delimiter, t.header, t.header_line) == (";", ["id", "note"], 2)
        assert list(t.rows()) == [(3, ["1", "a,b,c"]), (4, ["2", "x;y"])]


def test_line_numbers_are_physical_lines_across_quoted_newlines():
    rows = list(read_table(FIXTURES / "bad_orders_multiline.csv"))
    assert [line for line, _ in rows] == [2, 5, 6]
    assert rows[0][1]["note"] == "first line\nsecond line\nthird line"


def test_blank_lines_skipped_but_counted(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n\n3,4\r\n", encoding="utf-8")
    assert [(n, r["a"]) for n, r in read_table(p)] == [(2, "1"), (4, "3")]


def test_rows_of_only_delimiters_are_blank_lines(tmp_path):
    """What Excel leaves of rows whose contents were cleared: ",,," (or ";;" in a ';' file)."""
    p = tmp_path / "x.csv"
    p.write_text('a,b,c\n1,2,3\n,,\r\n , ,\n"",,\n4,,\n', encoding="utf-8")
    assert [(n, r["a"]) for n, r in read_table(p)] == [(2, "1"), (6, "4")]
    p.write_text("a;b\n1;2\n;\n3;4\n", encoding="utf-8")
    assert [n for n, _ in read_table(p)] == [2, 4]


def test_header_normalisation():
    assert normalise_header("Customer ID") == "customer_id"
    assert normalise_header("  First  Name ") == "first_name"
    assert normalise_header("N. Revenue (formatted)") == "n_revenue_formatted"
    assert normalise_header("E-Mail") == "e_mail"


def test_missing_file_and_folder_refused(tmp_path):
    with pytest.raises(ImportRefused, match="no such file"):
        list(read_table(tmp_path / "nope.csv"))
    with pytest.raises(ImportRefused, match="folder"):
        list(read_table(tmp_path))


def test_binary_file_refused(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"a\x00b\x00c")
    with pytest.raises(ImportRefused, match="not a text file"):
        list(read_table(p))


@pytest.mark.parametrize("head, what", [
    (b"PK\x03\x04\x14\x00\x06\x00", "zip archive .an Excel .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel workbook"),
    (b"%PDF-1.7\n", "PDF document"),
])
def test_a_spreadsheet_or_document_picked_by_mistake_is_named(tmp_path, head, what):
    p = tmp_path / "customers.xlsx"
    p.write_bytes(head + b"rest of the file")
    with pytest.raises(ImportRefused, match=f"this is an? {what}.*save it as CSV"):
        list(read_table(p))


def test_quoted_and_plain_lines_mixed_with_any_line_ending(tmp_path):
    # Plain lines are split directly, quoted ones go through the csv module: same cells, same lines.
    p = tmp_path / "m.csv"
    p.write_bytes(b'a,b,c\r\n1,2,3\r\n4,"x\r\ny",5\r"q""uote",,\n\n  \n6,7,\n8,"",9')
    with Table(p) as t:
        rows = list(t.rows())
    assert rows == [(2, ["1", "2", "3"]), (3, ["4", "x\r\ny", "5"]), (5, ['q"uote', "", ""]), (8, ["6", "7", ""]), (9, ["8", "", "9"])]


def test_unreadable_record_named_by_its_first_line(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text('a,b\n1,2\n"3\n4",5\n6,"' + "x" * 200_000 + '"\n')
    with Table(p) as t, pytest.raises(ImportRefused, match="line 5: cannot read the CSV"):
        list(t.rows())


def test_a_quote_never_closed_is_refused_naming_its_line_and_column(tmp_path):
    # One stray quote in a name: read leniently, the rest of the file would become that name.
    p = tmp_path / "q.csv"
    p.write_text('customer_id,first_name,email\nc1,Ann,a@example.com\nc2,"Bob,b@example.com\nc3,Cy,c@example.com\n')
    with Table(p) as t, pytest.raises(ImportRefused) as refused:
        list(t.rows())
    assert f"{p}: line 3, column 'first_name': a quote opens in this cell and is never closed" in str(refused.value)


@pytest.mark.parametrize("body, where", [
    ('c1,Ann,a@example.com\nc2,"Bob"by,b@example.com\n', "line 3, column 'first_name': a quoted cell is followed by more text:"),
    ('c1,"Ann ""the"" Potter" x,a@example.com\n', "line 2, column 'first_name': a quoted cell is followed by more text:"),
    ('c1,"Ann\nPotter"s,a@example.com\n', "line 2: a quoted cell is followed by more text (on line 3):"),
])
def test_text_after_a_closing_quote_is_refused_naming_where(tmp_path, body, where):
    p = tmp_path / "t.csv"
    p.write_text("customer_id,first_name,email\n" + body)
    with Table(p) as t, pytest.raises(ImportRefused) as refused:
        list(t.rows())
    assert f"{p}: {where}" in str(refused.value)


def _rows_line_by_line(path):
    """The oracle: every line on its own, the csv module (strict) for any line with a quote."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = iter(fh)
        next(lines)
        pending: list[str] = []

        def feed():
            while True:
                if pending:
                    yield pending.pop()
                elif (text := next(lines, None)) is not None:
                    yield text
                else:
                    return

        reader, n, out = csv.reader(feed(), strict=True), 1, []
        for text in lines:
            start = n + 1
            if '"' not in text:
                n, cells = start, text.rstrip("\r\n").split(",")
            else:
                pending.append(text)
                before = reader.line_num
                cells = next(reader, None)
                if cells is None:
                    break
                n += reader.line_num - before
            if any(c.strip() for c in cells):  # a record with no text in any cell is blank
                out.append((start, cells))
        return out


_PIECES = ["a", "b,c", ",", "", '"q"', '"x\ny"', '"x\r\ny"', '"co,mma"', '"""', " ", "\r"]


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=4), max_size=25), st.sampled_from(["\n", "\r\n"]),
       st.integers(min_value=1, max_value=7))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_chunks_give_the_records_of_reading_line_by_line(tmp_path, body, ending, max_lines):
    p = tmp_path / "h.csv"
    p.write_bytes(("h1,h2" + ending + ending.join("".join(parts) for parts in body)).encode())
    try:
        expected = _rows_line_by_line(p)
    except csv.Error:  # a file the csv module refuses: so must the reader, at any chunk size
        with Table(p) as t, pytest.raises(ImportRefused):
            for chunk in t.chunks(max_lines):
                list(t.records(*chunk))
        return
    got = []
    with Table(p) as t:
        for chunk in t.chunks(max_lines):
            got += t.records(*chunk)
    assert got == expected
    with Table(p) as t:
        assert list(t.rows()) == expected
