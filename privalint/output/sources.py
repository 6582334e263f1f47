"""Reading back source lines for code frames and line hashes (decoded leniently)."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any


def read_text(path: Path) -> str:
    """The file's text, decoded as Python would (PEP 263 cookie, BOM), never failing."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


_NEWLINE = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """``text`` split into lines as Python counts them: at ``\\n``, ``\\r\\n`` and ``\\r``
    only (``str.splitlines`` also splits at form feeds and Unicode separators, which
    would shift every line number after them)."""
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# Characters that JSON may carry raw but that drive terminals or reorder text when the
# file is shown (DEL, C1 controls, bidirectional overrides, line separators) and lone
# surrogates (which no UTF-8 writer accepts).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(document: Any) -> str:
    """``document`` as indented JSON: other non-ASCII text stays readable, unsafe
    characters become ``\\uXXXX`` escapes (the same JSON value, safe to print)."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def safe(text: str) -> str:
    """Text with control characters shown as escapes, so it cannot drive a terminal."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\t":
            out.append("    ")
        elif (
            code < 0x20
            or code == 0x7F
            or 0x80 <= code < 0xA0
            or 0xD800 <= code < 0xE000
            or ch in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
