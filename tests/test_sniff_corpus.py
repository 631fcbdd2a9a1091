"""sniff(), which every report's scan goes through, on the corpus: the right header or an error, never a title
line taken for the header."""

from __future__ import annotations

import pytest

from corpus_scoring import cases
from crmctl.errors import DataError
from crmctl.read.sniff import sniff


@pytest.mark.parametrize("case", [c for c in cases() if c.clean], ids=lambda c: c.name)
def test_sniff_finds_the_header_or_says_what_to_set(case):
    try:
        shape = sniff(case.polluted, None, None)
    except DataError as exc:
        assert "encoding" in str(exc) or "NUL" in str(exc)
        return
    header = [name.strip() for name in shape.header]
    while header and not header[-1]:  # a trailing delimiter's empty column is harmless to the scan
        header.pop()
    assert header == list(case.clean[0])


def test_utf16_without_bom_names_the_encoding_to_set():
    with pytest.raises(DataError, match="encoding: utf-16-le"):
        sniff(next(c for c in cases() if c.name == "utf16le_no_bom").polluted, None, None)
