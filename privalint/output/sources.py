"""Reading back source lines for code frames and line hashes (decoded leniently)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path


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
            or ch in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
