"""Line and column ranges for a handful of nodes, computed only when needed.

libcst's ``PositionProvider`` records a ``CodeRange`` for every node of the module
(about twice the cost of the parse). We need positions only for the few nodes a file
reports, so this runs libcst's own code generator with a state that tracks the
current line and column, keeps only the wanted nodes, and stops as soon as the last
of them has been generated. The ranges are the same as ``PositionProvider``'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext, suppress
from types import TracebackType
from typing import Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")
# (line, column): 1-based line, 0-based column, as libcst counts them.
Point = tuple[int, int]
Range = tuple[Point, Point]


class _Finished(Exception):
    """Raised inside code generation once every wanted node has a position."""


class _SyntacticRecorder(AbstractContextManager):
    def __init__(
        self,
        state: _PositionState,
        node: cst.CSTNode,
        start_node: Optional[cst.CSTNode],
        end_node: Optional[cst.CSTNode],
    ) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.start: Point = (state.line, state.column)

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if exc_type is not None:
            return None
        state = self.state
        start = self.start
        end: Point = (state.line, state.column)
        if self.start_node is not None:
            start = state.found[id(self.start_node)][0]
        if self.end_node is not None:
            end = state.found[id(self.end_node)][1]
        state.found[id(self.node)] = (start, end)
        return None


_NULL = nullcontext()


class _PositionState(CodegenState):
    """A code generator state that counts lines and columns instead of keeping text."""

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.remaining = len(wanted)
        self.found: dict[int, Range] = {}
        self._starts: list[Point] = []

    def _advance(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def pop_trailing_newline(self) -> None:
        pass

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        key = id(node)
        if key in self.wanted:
            if key not in self.found:
                self.found[key] = (start, (self.line, self.column))
            self.wanted.discard(key)
            self.remaining -= 1
            if self.remaining <= 0:
                raise _Finished

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> AbstractContextManager:
        if id(node) not in self.wanted:
            return _NULL
        # The syntactic range of a wanted node may be hoisted from its children.
        for child in (start_node, end_node):
            if child is not None and id(child) not in self.wanted:
                self.wanted.add(id(child))
                self.remaining += 1
        return _SyntacticRecorder(self, node, start_node, end_node)


def node_ranges(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Range]:
    """Map ``id(node)`` to its ``((line, col), (line, col))`` range for each node given."""
    wanted = {id(node) for node in nodes}
    if not wanted:
        return {}
    state = _PositionState(module, set(wanted))
    with suppress(_Finished):
        module._codegen(state)
    return state.found
