"""Bytes of an export → text: byte-order marks, UTF-16 without one, cp1252 lines, NUL bytes, binaries.

Every choice made here is reported, because a wrong guess turns accents into garbage without any error.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field

from crmctl.errors import DataError

# Files that are not text at all, by their first bytes: say what they are and how to get a CSV out of them.
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel .xlsx workbook (a zip file); open it and save the sheet as 'CSV UTF-8'"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook; open it and save the sheet as 'CSV UTF-8'"),
    (b"%PDF", "a PDF document, not a table export"),
    (b"PAR1", "a Parquet file; read it as Parquet (name it .parquet)"),
)
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8 (with BOM)"),
    (b"\xff\xfe", "utf-16-le", "utf-16-le (with BOM)"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be (with BOM)"),
)
_MAX_NUL_SHARE = 0.01  # a few NULs are padding from a crashed or preallocated export; more is a binary file


@dataclass
class Decoded:
    text: str
    encoding: str  # what the summary shows, e.g. "utf-8", "cp1252", "utf-8 + cp1252 (mixed)"
    nul_bytes_removed: int = 0
    fallback_lines: list[int] = field(default_factory=list)  # lines of a UTF-8 file read as cp1252
    warnings: list[str] = field(default_factory=list)


def read_bytes(path) -> bytes:
    """The file's bytes, gunzipped when it is gzip'd."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the file: {exc}") from None


def decode(data: bytes, name: str) -> Decoded:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise DataError(f"{name}: this is {what}")
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _strip_nuls(_decode_strict(data[len(bom):], codec, label, name), name)
    utf16 = utf16_without_bom(data)
    if utf16:
        decoded = _decode_strict(data, utf16, f"{utf16} (no BOM)", name)
        decoded.warnings.append(f"the file is {utf16} without a byte-order mark; read as {utf16}")
        return _strip_nuls(decoded, name)
    return _strip_nuls(_decode_8bit(data), name)


def _decode_strict(data: bytes, codec: str, label: str, name: str) -> Decoded:
    try:
        return Decoded(data.decode(codec), label)
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: byte {exc.start} is not valid {codec} although the file says it is {codec}; "
                        "the file is damaged: export it again") from None


def utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in every other byte of its ASCII characters."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decode_8bit(data: bytes) -> Decoded:
    """UTF-8 when it decodes; else line by line, cp1252 (Excel's Windows default) for the lines that do not.

    Line by line because concatenated exports mix both: a UTF-8 file with a few lines pasted from a
    cp1252 one must keep its UTF-8 accents.
    """
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    texts, fallback, utf8_accented = [], [], 0
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
            utf8_accented += not line.isascii()
        except UnicodeDecodeError:
            text = _cp1252(line)
            fallback.append(number)
        texts.append(text)
    text = "\n".join(texts)
    if not utf8_accented:
        return _western(data, text)
    shown = ", ".join(map(str, fallback[:5])) + (" …" if len(fallback) > 5 else "")
    warning = (f"mixed encodings: {len(fallback)} lines are not UTF-8 and were read as cp1252 (lines {shown}); "
               "check their accents")
    return Decoded(text, "utf-8 + cp1252 (mixed)", fallback_lines=fallback, warnings=[warning])


def _western(data: bytes, cp1252: str) -> Decoded:
    """cp1252, or Mac Roman (old Mac Excel's 'CSV (Macintosh)') when its accents sit inside words more often."""
    mac = data.decode("mac_roman")
    if _letters_in_words(mac) > _letters_in_words(cp1252):
        return Decoded(mac, "mac_roman", warnings=["not UTF-8; read as Mac Roman (old Mac Excel), whose accents "
                                                   "fit these words better than Windows cp1252's"])
    return Decoded(cp1252, "cp1252")


def _letters_in_words(text: str) -> int:
    """Non-ASCII letters inside words, less non-ASCII symbols: what accents look like when the guess is right."""
    score = 0
    for match in re.finditer(r"[^\x00-\x7f]", text):
        char, before, after = match.group(), text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        if not char.isalpha():
            score -= 1
        elif before.isalpha() or after.isalpha():
            score += 1
    return score


def _cp1252(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: latin-1 maps them to C1 controls
        return line.decode("latin-1")


def _strip_nuls(decoded: Decoded, name: str) -> Decoded:
    # NULs after the last line are padding (an export cut short or preallocated on disk): always safe to drop.
    padding = len(decoded.text) - len(decoded.text.rstrip("\x00"))
    decoded.text = decoded.text.rstrip("\x00")
    count = decoded.text.count("\x00")
    if padding + count:
        decoded.nul_bytes_removed = padding + count
    if padding:
        decoded.warnings.append(f"removed {padding} NUL bytes padding the end of the file")
    if not count:
        return decoded
    if count > _MAX_NUL_SHARE * len(decoded.text):
        raise DataError(f"{name}: {count} NUL bytes: this is a binary file, not CSV text (or a UTF-16/32 file "
                        "damaged in transfer); export it again as 'CSV UTF-8'")
    decoded.text = decoded.text.replace("\x00", "")
    decoded.warnings.append(f"removed {count} NUL bytes from inside the text")
    return decoded
