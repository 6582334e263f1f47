"""GitHub code scanning's ``primaryLocationLineHash``.

GitHub's upload action fingerprints a result by a rolling hash (base 37, modulo 2**64)
of the 100 characters starting at the result's line, ignoring spaces and tabs, with
``\\r\\n`` and ``\\r`` read as ``\\n``, over UTF-16 code units, plus a counter that
tells identical windows apart (``"hash:2"``). A SARIF file that carries a different
value makes GitHub open duplicate alerts, so we compute exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator

WINDOW = 100
BASE = 37
MASK = (1 << 64) - 1
_DROP = BASE**WINDOW & MASK
_EOF = 0xFFFF


def _code_units(text: str) -> Iterator[int]:
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            yield 0xD800 | (code >> 10)
            yield 0xDC00 | (code & 0x3FF)
        else:
            yield code


class _RollingHash:
    def __init__(self) -> None:
        self.window = [0] * WINDOW
        # Which line's hash is complete once the window slot is overwritten.
        self.owner = [0] * WINDOW
        self.position = 0
        self.value = 0
        self.seen: dict[str, int] = {}
        self.hashes: dict[int, str] = {}

    def emit(self) -> None:
        line = self.owner[self.position]
        if line:
            digest = format(self.value, "x")
            self.seen[digest] = self.seen.get(digest, 0) + 1
            self.hashes[line] = f"{digest}:{self.seen[digest]}"
            self.owner[self.position] = 0

    def push(self, unit: int) -> None:
        dropped = self.window[self.position]
        self.window[self.position] = unit
        self.value = (BASE * self.value + unit - _DROP * dropped) & MASK
        self.position = (self.position + 1) % WINDOW


def line_hashes(text: str) -> dict[int, str]:
    """``{line: "hash:n"}`` for every line of ``text`` (1-based)."""
    state = _RollingHash()
    line = 0
    at_line_start = True
    after_cr = False

    def feed(unit: int) -> None:
        nonlocal line, at_line_start, after_cr
        if unit in (0x20, 0x09) or (after_cr and unit == 0x0A):
            after_cr = False
            return
        after_cr = unit == 0x0D
        if after_cr:
            unit = 0x0A
        state.emit()
        if at_line_start:
            at_line_start = False
            line += 1
            state.owner[state.position] = line
        if unit == 0x0A:
            at_line_start = True
        state.push(unit)

    for unit in _code_units(text):
        feed(unit)
    feed(_EOF)
    for _ in range(WINDOW):
        state.emit()
        state.push(0)
    return state.hashes
