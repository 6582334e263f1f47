"""The parser's fast node constructors build exactly libcst's own trees."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from privalint.parsing import parse_module

ROOT = Path(__file__).resolve().parent.parent
# Real code with most of the grammar: the engine itself and every fixture.
SOURCES = sorted(
    [*ROOT.joinpath("privalint").glob("*.py"), *ROOT.joinpath("fixtures").rglob("*.py")]
)

GRAMMAR = b'''\
# -*- coding: utf-8 -*-
from __future__ import annotations
import a.b as c, d
from .x import (y as z, w)
@decorator(arg=1)
class K(Base, metaclass=M):
    """Doc."""
    x: int = 0
    async def f(self, a, /, b=1, *args, c: "int" = 2, **kw) -> None:
        global g
        nonlocal_ = lambda q, *r, **s: q
        async with ctx() as (u, v), other():
            async for i in aiter():
                await i
        try:
            pass
        except* ValueError as e:
            raise RuntimeError("x") from e
        finally:
            del x[1:2:3], y.z
        match command:
            case {"k": [1, *rest]} | Point(x=0) if rest:
                pass
            case _:
                pass
        return (yield from gen()), [i async for i in a if i], {k: v for k, v in d}, {*s}
x = f"{a!r:>{width}} {b=}" 'concat' \\
    "enated", b"raw" rb"\\d"
y = a if b else c; z = not a and b or c < d <= e is not f in g not in h
w @= m; v **= 2; t = -~+1j; s = ...; lst[::2] += [1, 2.5e3, 0x1F, 0o7, 0b1]
print(*args, sep="", **kw)
assert (walrus := 1), "message"
type_alias: list[int] = []
if __name__ == "__main__":
    while True:
        break
    else:
        pass
'''


def test_same_tree_as_libcst_on_the_grammar() -> None:
    fast = parse_module(GRAMMAR)
    assert fast.deep_equals(cst.parse_module(GRAMMAR))
    assert fast.code.encode() == GRAMMAR


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_tree_as_libcst(path: Path) -> None:
    data = path.read_bytes()
    fast = parse_module(data)
    assert fast.deep_equals(cst.parse_module(data))


def test_libcst_is_left_as_it_was() -> None:
    parse_module(b"x = 1\n")
    # Outside the parse, libcst's constructors validate again.
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    with pytest.raises(TypeError):
        cst.Name()  # type: ignore[call-arg]


def test_errors_leave_libcst_as_it_was() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        parse_module(b"def (:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1x")
