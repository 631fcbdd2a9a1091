"""Text from data, made literal: the one function every renderer passes untrusted values through.

Anyone who can type into a CRM can put a control sequence into a segment name, a company name or a
file name: ESC ]0;… BEL retitles the terminal, ESC [2J clears it, a C1 CSI (U+009B) does the same on
some terminals, a bidi override (U+202E) shows text reversed so that `exe.txt` reads `txt.exe`.
`literal` shows every such character as a visible escape (`\\x1b`, `\\u202e`, `\\n`), so what prints
is exactly what the cell holds and nothing acts on the terminal. Rich markup (`[bold red]`, `[link=…]`)
needs no escaping here: the one console that draws tables (render.base.to_text) never parses markup.
Markdown and HTML add their own escaping on top (`markdown_text`, html.escape in render/html_page.py).
"""

from __future__ import annotations

import json
import re

from crmctl.render.numbers import rounded_floats

# Cc: C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F). Then the bidi embeddings, overrides, isolates and
# marks (the "Trojan Source" set) and the Unicode line and paragraph separators, which some programs
# treat as line breaks.
_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# Written with escapes for C0 and C1, so that Polars' regex (render.base.frame_csv) reads the same class.
UNSAFE_PATTERN = r"[\x00-\x1f\x7f-\x9f" + _BIDI_AND_SEPARATORS + "]"
_UNSAFE = re.compile(UNSAFE_PATTERN)
# What json.dumps leaves raw with ensure_ascii=False: all but C0, which it escapes itself.
_UNSAFE_JSON = re.compile(f"[\x7f-\x9f{_BIDI_AND_SEPARATORS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Markdown: what starts emphasis, code, links, images, tables, HTML or entities, and closes a heading (#).
# An underscore inside a word (conversion_rate) starts nothing in CommonMark, so it is left alone; `&` is
# escaped only where an entity would start.
_MARKDOWN = re.compile(r"[\\`*\[\]|~<>#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?[A-Za-z0-9]+;)")


def _visible(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def literal(value) -> str:
    """`value` as text with every control, bidi and line-separator character shown as an escape."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def literal_lines(text: str) -> str:
    """A message crmctl wrote, which may span lines, with the data inside it made literal."""
    return "\n".join(literal(line) for line in str(text).split("\n"))


def markdown_text(value) -> str:
    """A literal value that Markdown shows as written: no emphasis, link, image, HTML or table cell
    break can start inside it, and it stays on one line (a heading or a table row)."""
    return _MARKDOWN.sub(lambda m: "\\" + m.group(), literal(value))


def json_text(document, default=None) -> str:
    """`document` as indented JSON whose text holds no control character: the values are unchanged (a
    JSON reader gets them back exactly), but DEL, C1, bidi and separators are written as \\u escapes.
    Floats are written to 12 significant digits (render/numbers.py), NaN and infinity as null."""
    text = json.dumps(rounded_floats(document), indent=2, ensure_ascii=False, default=default)
    return _json_escaped(text) + "\n"


def json_inline(value) -> str:
    """`value` as one line of JSON, as json_text escapes it: also a YAML double-quoted scalar (init's
    config lines), where YAML readers refuse a raw C1 character."""
    return _json_escaped(json.dumps(value, ensure_ascii=False))


def _json_escaped(text: str) -> str:
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _UNSAFE_JSON.search(text) else text
