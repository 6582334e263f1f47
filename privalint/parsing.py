"""libcst's parser, without the costs a linter does not need.

libcst builds every node through its dataclass constructor. That constructor is
generated for frozen dataclasses: it stores each field through
``object.__setattr__`` and then calls ``__post_init__``, which re-validates the node.
The parser only ever builds valid trees, so while it runs (and only then) the node
classes get plain constructors that store the same fields with the same defaults and
skip the validation. The nodes are the same objects; building them is about a tenth
cheaper, and validation another tenth.

Outside :func:`parse_module` libcst is left exactly as it is, so code that builds
nodes by hand (tests, other tools in the same process) still gets its checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Callable, Optional

import libcst as cst

_Init = Callable[..., None]


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _setter(cls: type, name: str) -> Optional[Callable[[Any, Any], None]]:
    """The slot descriptor's setter of field ``name``, if the field is a slot."""
    for klass in cls.__mro__:
        attribute = klass.__dict__.get(name)
        if attribute is not None and hasattr(attribute, "__set__"):
            setter: Callable[[Any, Any], None] = attribute.__set__
            return setter
    return None


def _plain_init(cls: type) -> Optional[_Init]:
    """A constructor equivalent to the dataclass's, minus ``__post_init__``; ``None``
    when the class is not shaped as expected (it then keeps its own)."""
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields):
        return None
    namespace: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    params: list[str] = []
    body: list[str] = []
    uses_dict = False
    for index, f in enumerate(fields):
        if not f.name.isidentifier() or f.name.startswith("_") or f.name == "self":
            return None
        if f.default is not dataclasses.MISSING:
            namespace[f"_default{index}"] = f.default
            params.append(f"{f.name}=_default{index}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory{index}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"    if {f.name} is _MISSING: {f.name} = _factory{index}()")
        else:
            params.append(f.name)
        setter = _setter(cls, f.name)
        if setter is not None:
            namespace[f"_set{index}"] = setter
            body.append(f"    _set{index}(self, {f.name})")
        else:
            uses_dict = True
            body.append(f"    _d[{f.name!r}] = {f.name}")
    if uses_dict:
        body.insert(0, "    _d = self.__dict__")
    # Required fields come first in a dataclass, so the order of `params` is valid.
    source = "def __init__(self, " + ", ".join(params) + "):\n" + "\n".join(body or ["    pass"])
    exec(source, namespace)  # our own text, built from the dataclass field names
    init: _Init = namespace["__init__"]
    return init


class _Constructors:
    """The plain constructors, built once per process on first use."""

    def __init__(self) -> None:
        self.pairs: list[tuple[type, _Init, _Init]] = []
        for cls in set(_subclasses(cst.CSTNode)):
            own = cls.__dict__.get("__init__")
            if own is None or not dataclasses.is_dataclass(cls):
                continue
            try:
                plain = _plain_init(cls)
            except Exception:  # an unexpected shape: keep libcst's own
                plain = None
            if plain is not None:
                self.pairs.append((cls, own, plain))

    def install(self) -> None:
        for cls, _, plain in self.pairs:
            cls.__init__ = plain  # type: ignore[misc]

    def restore(self) -> None:
        for cls, own, _ in self.pairs:
            cls.__init__ = own  # type: ignore[misc]


_constructors: Optional[_Constructors] = None


def _skip_validation(node: cst.CSTNode) -> None:
    pass


def parse_module(data: bytes) -> cst.Module:
    """``libcst.parse_module(data)``, building the nodes without re-validating them."""
    global _constructors
    if _constructors is None:
        _constructors = _Constructors()
    base = cst.CSTNode
    validate = base.__post_init__
    base.__post_init__ = _skip_validation  # type: ignore[method-assign,assignment]
    _constructors.install()
    try:
        return cst.parse_module(data)
    finally:
        _constructors.restore()
        base.__post_init__ = validate  # type: ignore[method-assign]
