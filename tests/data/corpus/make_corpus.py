"""Writes the corpus: one folder per way real exports break, with clean.csv beside polluted.<ext>.

Deterministic (no randomness, no dates from the clock): run `python tests/data/corpus/make_corpus.py`
and commit the result. README.md is written from CASES too, so the descriptions cannot drift.
A case without a clean table is one the reader must refuse with an error (expect_error.txt holds a
fragment of the message).
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tables import contacts, orders, tickets, with_blanks  # noqa: E402


def text(header, rows, delimiter=",", quoting=csv.QUOTE_MINIMAL, end="\r\n", **kw) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=end, **kw)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def lines(header, rows, delimiter=",", end="\r\n") -> list[str]:
    return text(header, rows, delimiter, end=end).split(end)[:-1]


@dataclass
class Case:
    name: str
    why: str  # vendor/tool and symptom: why the case is realistic
    table: tuple | None  # (header, rows) of the clean table; None when the file must be refused
    polluted: bytes
    ext: str = "csv"
    error: str = ""  # for refused cases: a fragment the error message must contain


def _cases() -> list[Case]:
    c_h, c_r = contacts()
    o_h, o_r = orders()
    d_h, d_r = orders(decimal_comma=True)
    t_h, t_r = tickets()
    b_h, b_r = with_blanks(c_h, c_r, (6, 7))
    plain = text(c_h, c_r)
    cases = [
        Case("utf8_bom", "HubSpot and Excel 'CSV UTF-8' write a byte-order mark; naive readers name the first "
             "column '\\ufeffRecord ID'", (c_h, c_r), plain.encode("utf-8-sig")),
        Case("utf16le_bom_tab", "Excel 'Unicode Text' (and Salesforce 'Export Details' opened and re-saved): "
             "UTF-16 LE with BOM, tab-delimited; UTF-8 readers see NUL bytes everywhere", (c_h, c_r),
             b"\xff\xfe" + text(c_h, c_r, "\t").encode("utf-16-le"), "txt"),
        Case("utf16be_bom", "Java/Mac tools writing 'UTF-16' big-endian with BOM", (c_h, c_r),
             b"\xfe\xff" + plain.encode("utf-16-be")),
        Case("utf16le_no_bom", "SQL Server `bcp -w` writes UTF-16 LE without any BOM", (o_h, o_r),
             text(o_h, o_r).encode("utf-16-le")),
        Case("cp1252_accents", "Excel on Windows 'CSV (Comma delimited)' saves cp1252: é is one byte 0xE9 and "
             "UTF-8 readers fail or show '\\ufffd'", (c_h, c_r), plain.encode("cp1252")),
        Case("cp1252_semicolon_decimal_comma", "German/French Excel: cp1252, ';' as list separator because ',' is "
             "the decimal mark (1.234,50)", (d_h, d_r), text(d_h, d_r, ";").encode("cp1252")),
        Case("semicolon_decimal_comma", "DATEV/Lexoffice-style UTF-8 exports: ';' delimiter, every amount with a "
             "decimal comma, so ',' also splits every row into equal widths", (d_h, d_r),
             text(d_h, d_r, ";").encode()),
        Case("tab_delimited", "Google Sheets 'Tab-separated values' and Zendesk TSV exports", (t_h, t_r),
             text(t_h, t_r, "\t").encode(), "tsv"),
        Case("pipe_delimited", "ERP/mainframe extracts (SAP, AS/400) use '|' so commas in names need no quotes",
             (c_h, c_r), text(c_h, c_r, "|", quoting=csv.QUOTE_NONE, quotechar=None).encode(), "txt"),
        Case("quoted_embedded", "Zendesk/Freshdesk ticket exports: descriptions with commas, line breaks and "
             "doubled quotes inside quoted fields", (t_h, t_r), text(t_h, t_r).encode()),
        Case("quote_all", "Salesforce Data Loader and many SQL tools quote every field", (o_h, o_r),
             text(o_h, o_r, quoting=csv.QUOTE_ALL).encode()),
        Case("mixed_quoting", "A file edited by hand after export: some lines quote every field, others none",
             (o_h, o_r), _mixed_quoting(o_h, o_r).encode()),
        Case("preamble_title", "Salesforce 'formatted report' export: report title, filter and 'as of' lines and "
             "a blank line before the header", (c_h, c_r),
             ('"Contacts by Stage"\r\n"Filtered By: Lifecycle Stage equals customer, lead"\r\n'
              '"As of 2024-06-30 09:00 GMT"\r\n\r\n' + plain).encode()),
        Case("preamble_padded", "Excel sheet with a title row: saved as CSV, the title line is padded with commas "
             "to the table's width", (o_h, o_r),
             ("Orders report Q1 2024,,,,,\r\nExported on 2024-04-02 by admin,,,,,\r\n,,,,,\r\n"
              + text(o_h, o_r)).encode()),
        Case("preamble_narrow_table", "Mailchimp-style two-column export under an 'Exported on <date>, <time>' "
             "line that itself splits into two fields", (["Email Address", "Status"], _emails(c_r)),
             ("Exported on 2024-05-02, 14:03\r\n" + text(["Email Address", "Status"], _emails(c_r))).encode()),
        Case("excel_text_formulas", "Exports made for Excel wrap ids as =\"00042\" so Excel keeps the leading zeros",
             (o_h, o_r), "".join(",".join(f'="{c}"' if i == 1 and n else c for i, c in enumerate(r)) + "\r\n"
                                 for n, r in enumerate([o_h, *o_r])).encode()),
        Case("footer_lines", "Salesforce report footer: confidentiality and copyright lines after the data",
             (c_h, c_r), (plain + '\r\n"Confidential Information - Do Not Distribute"\r\n'
                          '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\r\n').encode()),
        Case("footer_total", "Excel/QuickBooks exports end with a totals row and a row count", (o_h, o_r),
             (text(o_h, o_r) + f"Total,,,{sum(float(r[3]) for r in o_r):.2f},,\r\nRows: {len(o_r)}\r\n").encode()),
        Case("generated_by_footer", "Pipedrive/Zoho style 'Generated by' and timestamp lines at the end",
             (t_h, t_r), (text(t_h, t_r) + "\r\nGenerated by Zoho CRM on 2024-03-31 23:59\r\n").encode()),
        Case("subtotals", "Salesforce 'summary report' export: a subtotal line after each group",
             (o_h, sorted(o_r, key=lambda r: ["paid", "completed", "refunded", "pending"].index(r[5]))),
             _subtotals(o_h, o_r).encode()),
        Case("blank_lines_middle", "Excel blank rows saved as ',,,,,' and empty lines between pasted blocks",
             (o_h, o_r), _blank_lines(o_h, o_r).encode()),
        Case("ragged_short_rows", "Exporters that omit trailing empty fields (QuickBooks, some PHP scripts)",
             (b_h, b_r), "\r\n".join(_omit_trailing_empty(lines(b_h, b_r)) + [""]).encode()),
        Case("ragged_long_rows", "Excel leaves stray empty cells to the right on some rows ('a,b,c,,')",
             (o_h, o_r), _long_rows(o_h, o_r).encode()),
        Case("trailing_delimiter", "Oracle SQL*Plus spools and some PHP exporters end every line with the "
             "delimiter", (o_h, o_r), "".join(f"{l};\n" for l in lines(o_h, o_r, ";", "\n")).encode()),
        Case("lf_only", "Unix tools (psql \\copy, pandas) end lines with LF only", (t_h, t_r),
             text(t_h, t_r, end="\n").encode()),
        Case("cr_only", "Excel 'CSV (Macintosh)' on old Macs ends lines with a bare CR", (c_h, c_r),
             text(c_h, c_r, end="\r").encode("mac_roman")),
        Case("excel_sep_line", "A 'sep=;' first line tells Excel the delimiter; other tools read it as the header",
             (d_h, d_r), ("sep=;\r\n" + text(d_h, d_r, ";")).encode()),
        Case("repeated_headers", "Monthly exports concatenated with `cat jan.csv feb.csv`: the header again in the "
             "middle", (o_h, o_r), (text(o_h, o_r[:10]) + text(o_h, o_r[10:])).encode()),
        Case("concatenated_reports", "Two Salesforce formatted reports pasted together: title lines and header "
             "repeated", (c_h, c_r), ("Contacts report\r\n\r\n" + text(c_h, c_r[:9]) + "\r\nContacts report\r\n\r\n"
                                       + text(c_h, c_r[9:])).encode()),
        Case("nul_bytes", "An export cut short or preallocated on disk leaves NUL padding at the end", (o_h, o_r),
             text(o_h, o_r).encode() + b"\x00" * 12),
        Case("single_column", "Mailchimp 'unsubscribed' export: one column of e-mail addresses", (["Email Address"],
             [[r[4]] for r in c_r]), text(["Email Address"], [[r[4]] for r in c_r]).encode()),
        Case("header_only", "A report run for an empty period: the header and nothing else", (o_h, []),
             text(o_h, []).encode()),
        Case("whitespace_padded", "SQL*Plus and mainframe reports pad cells to fixed widths", (o_h, o_r),
             _padded(o_h, o_r).encode()),
        Case("space_after_delimiter", "Hand-made and some library exports write ', ' between fields, quotes after "
             "the space", (c_h, c_r), _spaced(c_h, c_r).encode()),
        Case("backslash_escaped_quotes", "MySQL `SELECT … INTO OUTFILE` escapes quotes with a backslash",
             (t_h, [r for r in t_r if "\n" not in r[2]]), text(t_h, [r for r in t_r if "\n" not in r[2]],
                                                              doublequote=False, escapechar="\\").encode()),
        Case("mixed_encoding", "A UTF-8 export with a cp1252 one appended (two systems, one file)", (c_h, c_r),
             text(c_h, c_r[:9]).encode() + text(c_h, c_r[9:]).split("\r\n", 1)[1].encode("cp1252")),
        Case("unquoted_line_break", "Hand-rolled exporters that do not quote a notes field with a line break",
             _broken_table(t_h, t_r), "\n".join(",".join(r) for r in [t_h, *_broken_table(t_h, t_r)[1]]).encode()
             + b"\n"),
        Case("unquoted_comma_in_name", "Hand-rolled exporters (string joins in a script) that do not quote "
             "'Acme, Inc.': those rows have one field too many", (c_h, c_r),
             "".join(",".join(r) + "\n" for r in [c_h, *c_r]).encode()),
        Case("unquoted_delimiter_ambiguous", "The same, between two word columns ('EUR,Euro' before 'paid'): no "
             "reader can tell which column the extra field belongs to", (o_h, o_r),
             "".join(l.replace("EUR", "EUR,Euro", 1) + "\r\n" if i == 5 else l + "\r\n"
                     for i, l in enumerate(lines(o_h, o_r))).encode()),
        Case("gzip", "Exports downloaded compressed (Stripe, S3 dumps): gzip'd UTF-8 CSV", (o_h, o_r),
             _gzip(text(o_h, o_r).encode()), "csv.gz"),
        Case("xlsx_renamed", "An Excel workbook saved with a .csv name", None, b"PK\x03\x04" + b"\x14\x00" * 60,
             error="Excel .xlsx workbook"),
        Case("empty_file", "A zero-byte download after a failed export", None, b"", error="empty"),
    ]
    return cases


def _mixed_quoting(header, rows) -> str:
    """Odd lines quote every field, even lines only where needed."""
    return "".join(text([], [row], quoting=csv.QUOTE_ALL if i % 2 else csv.QUOTE_MINIMAL).lstrip("\r\n")
                   for i, row in enumerate([header] + rows))


def _emails(rows):
    return [[r[4], "subscribed" if i % 3 else "unsubscribed"] for i, r in enumerate(rows)]


def _subtotals(header, rows) -> str:
    out = [text(header, [])]
    for status in ("paid", "completed", "refunded", "pending"):
        group = [r for r in rows if r[5] == status]
        out.append(text([], group).lstrip("\r\n"))
        out.append(f"Subtotal,,,{sum(float(r[3]) for r in group):.2f},,\r\n")
    return "".join(out)


def _blank_lines(header, rows) -> str:
    out = lines(header, rows)
    out.insert(6, ",,,,,")
    out.insert(11, "")
    out.insert(12, "")
    out.insert(17, "   ")
    return "\r\n".join(out) + "\r\n"


def _omit_trailing_empty(rows: list[str]) -> list[str]:
    return [r.rstrip(",") for r in rows]


def _long_rows(header, rows) -> str:
    out = lines(header, rows)
    for i in (3, 8, 9, 15):
        out[i] += ",," if i % 2 else ","
    return "\r\n".join(out) + "\r\n"


def _padded(header, rows) -> str:
    widths = [max(len(r[c]) for r in [header] + rows) + 2 for c in range(len(header))]
    return "".join("|".join(f" {cell:<{w}}" for cell, w in zip(r, widths)) + "\n" for r in [header] + rows)


def _spaced(header, rows) -> str:
    def cell(value: str) -> str:
        return f'"{value.replace(chr(34), 2 * chr(34))}"' if any(ch in value for ch in ',"\n') else value
    return "".join(", ".join(cell(v) for v in row) + "\n" for row in [header] + rows)


def _broken_table(header, rows):
    """Ticket rows without commas, one description with a single unquoted line break."""
    clean = [[c.replace(",", "").replace("\n", " ") for c in r] for r in rows[:6]]
    clean[1][2] = "Line 1 is fine.\nLine 2 is charged twice."
    return header, clean


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


def main() -> None:
    cases = _cases()
    names = {case.name for case in cases}
    for stale in [p for p in HERE.iterdir() if p.is_dir() and list(p.glob("polluted.*")) and p.name not in names]:
        shutil.rmtree(stale)
    for case in cases:
        folder = HERE / case.name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / f"polluted.{case.ext}").write_bytes(case.polluted)
        if case.table is None:
            (folder / "expect_error.txt").write_text(case.error + "\n", encoding="utf-8")
        else:
            (folder / "clean.csv").write_text(text(*case.table), encoding="utf-8", newline="")
    _write_readme(cases)


def _write_readme(cases: list[Case]) -> None:
    rows = "\n".join(f"| `{c.name}` | {c.why.replace('|', '&#124;')} | "
                     f"{'refused: ' + c.error if c.table is None else f'{len(c.table[1])} rows × {len(c.table[0])}'} |"
                     for c in cases)
    (HERE / "README.md").write_text(_README.format(count=len(cases), rows=rows), encoding="utf-8")


_README = """# The CSV corpus: how real exports break

{count} cases, one folder each: `polluted.<ext>` is the file as a tool or person produced it, `clean.csv` the
table it holds (RFC 4180, UTF-8). Cases without `clean.csv` must be refused with an error containing the
text in `expect_error.txt`. Everything here is generated by `make_corpus.py` (deterministic) from the small
tables in `tables.py`; edit those and rerun, never edit the files by hand.

`tests/test_corpus.py` reads every polluted file with crmctl's reader and with DuckDB's sniffer and scores
each cell by cell against `clean.csv` (definition in `tests/corpus_scoring.py`). `SCORES.md` holds the
per-case table, written by `python tests/data/corpus/write_scores.py`.

| case | why it is realistic (tool and symptom) | clean table |
|---|---|---|
{rows}
"""

if __name__ == "__main__":
    main()
