"""Which enabled rules could match a file, decided from its bytes alone.

Parsing is the most expensive step of a check, so a file that no enabled rule could
match is never parsed. The test is a cheap text check derived from each rule's
``triggers`` and must stay *conservative*: it may let through a file on which no
rule fires, but never skip one on which a rule would fire. ``tests/test_prefilter.py``
runs the fixtures and sample projects with the prefilter on and off and requires
identical results, and holds the vocabulary below to the classifier.

Two kinds of trigger words:

- plain words (``"log"``, ``"verify"``): present when the file's text contains them,
  case-insensitively, anywhere (the contract of ``Rule.triggers``);
- ``"@personal"``: the file could name personal data. This mirrors the classifier
  (``privalint.personal``) instead of matching substrings, on the file's code
  without comments and docstrings:

  - a category's phrase must *head* an identifier or key (be its last words once
    transparent suffixes such as ``_str`` and digits are dropped, and not cancelled
    by the category's exclusions): ``email_template`` and ``zip_longest`` cannot
    match, ``billing_email`` can;
  - a CONSTANT, a dunder or a negated flag (``is_email``) counts only where it can
    be a key: in a string, a keyword argument, a file with SQL;
  - an ambiguous phrase (``name``, ``number``, ``from``) also needs what can
    qualify it: a qualifying word (a qualifier or person word) before it in its
    identifier or string, or an owner with such a word. Owners are the receiver
    or container (``customer.name``, ``customer["name"]``, ``customer.get("name")``,
    ``get_customer().name``), any class-like name of the file (rules take a model's
    name for its fields' owner, ``self`` belongs to its class) and the tables of
    the file's SQL statements; or an import that sets the context (``twilio`` for
    ``number``). A rule that classifies with another kind of owner must say so in
    its triggers;
  - a builtin the flow sees through (``zip(...)``, ``len(...)``) is a call, not
    data, wherever it is called by its plain name;
  - literal values the flow recognises by shape (Luhn card numbers, IBANs) count.

  Keys are matched line by line: a key spread over the lines of a triple-quoted
  string, or spelt with escape sequences (``"\\x65mail"``), is not seen.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from privalint.model import FileResult
from privalint.personal import Classifier, linking_word, split_words, without_window
from privalint.suppress import MARKER

PERSONAL = "@personal"
# The file could name people (`customers`, `patient_rows`, `"users.csv"`): rules that
# take a collection named after people for their records.
PEOPLE = "@people"
# A trigger word written `import:name` is looked for in the import statements only.
IMPORT = "import:"
# A trigger word written `name:word` is a word of an identifier or key of the file
# (`name:kin` for `next_of_kin`, never for `making`).
NAME = "name:"

_UNIT = re.compile(rb"[A-Za-z0-9_]+")
_LOWER_RUN = re.compile(rb"[a-z0-9_]+")
_BRACKET = re.compile(rb"[()\[\]{}]")
# Comments, and the start of string literals (with their prefix); the bodies are
# matched separately so that a quote or ``#`` inside a string is never mistaken.
_LEX = re.compile(rb"#[^\n]*|([rRbBuUfF]{0,2})(\"\"\"|'''|\"|')")
_STRING_BODY = {
    b'"""': re.compile(rb'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.S),
    b"'''": re.compile(rb"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.S),
    b'"': re.compile(rb'[^"\\\n]*(?:\\.[^"\\\n]*)*"', re.S),
    b"'": re.compile(rb"[^'\\\n]*(?:\\.[^'\\\n]*)*'", re.S),
}
# Shapes of literal values the flow classifies without any word (card numbers with
# optional separators, IBANs with optional spaces); looser than the real checks.
_LITERAL = re.compile(rb"[0-9](?:[ -]?[0-9]){12,18}|[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}")
# A string that starts like a SQL query: its columns are classified with the table
# as their owner.
_SQL = re.compile(
    rb"[\"']\s*(?i:select|with|insert|update|delete|create|replace|merge|upsert|alter)\b"
)
# The table a SQL statement reads or writes (the owner of its columns).
# (Overlapping: in `SELECT id, from FROM customers` the column `from` is followed by
# the keyword.)
_SQL_TABLE = re.compile(
    rb"(?i)(?=\b(?:from|into|update|join|table(?:\s+if\s+not\s+exists)?)\s+([\w.\"`\[\]]+))"
)
# Identifiers written like class names (`Customer`, `PatientSerializer`): rules take
# a model's or a class's name for the owner of its fields.
_CLASS_LIKE = re.compile(rb"(?<![A-Za-z0-9_])[A-Z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*")
_STRING_PREFIX = b"rRuUbBfF"
_WHITESPACE = b" \t\r\n\f\\"


def code_view(data: bytes) -> bytes:
    """``data`` without comments and docstrings: the text the classifier can see.

    A docstring here is a triple-quoted string (not an f-string) that starts a
    block or the module: one after a ``:`` or at the top. It is a statement of its
    own, so nothing evaluates it as a key or a query. Other strings stay.
    """
    out: list[bytes] = []
    keep = pos = 0
    search = _LEX.search
    while True:
        match = search(data, pos)
        if match is None:
            break
        start = match.start()
        quote = match.group(2)
        if quote is None:  # a comment
            out.append(data[keep:start])
            keep = pos = match.end()
            continue
        body = _STRING_BODY[quote].match(data, match.end())
        end = body.end() if body is not None else len(data)
        if len(quote) == 3 and b"f" not in match.group(1).lower():
            out.append(data[keep:start])
            if _starts_block(out):
                out.append(b'""')
                keep = end
            else:
                out.pop()
        pos = end
    out.append(data[keep:])
    return b"".join(out)


def names_view(code: bytes, strings: Optional[tuple[list[int], list[int]]] = None) -> bytes:
    """``code`` (from :func:`code_view`) with the bodies of its plain string literals
    blanked (``strings``: their spans, from :func:`_plain_strings`): the names the
    program itself uses, without the words of its messages and keys. An f-string's
    fields are code and stay."""
    starts, ends = strings if strings is not None else _plain_strings(code)
    out: list[bytes] = []
    keep = 0
    for start, end in zip(starts, ends):
        out.append(code[keep:start])
        keep = end
    out.append(code[keep:])
    return b"".join(out)


def _starts_block(out: list[bytes]) -> bool:
    """Whether the code emitted so far ends a block header (``:``) or is empty."""
    for chunk in reversed(out):
        stripped = chunk.rstrip(_WHITESPACE)
        if stripped:
            return stripped.endswith(b":")
    return True


class _Phrases:
    """A set of phrases, quick to test against an identifier's words."""

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        phrases = tuple(phrases)
        self.single = frozenset(p[0] for p in phrases if len(p) == 1)
        self.multi = tuple(p for p in phrases if len(p) > 1)
        self.firsts = frozenset(p[0] for p in self.multi)
        self.prefixes = frozenset(phrases)
        self.lengths = tuple(sorted({len(p) for p in phrases}))

    def within(self, words: tuple[str, ...]) -> bool:
        """Whether one of the phrases occurs in ``words`` (consecutive words)."""
        if not self.single.isdisjoint(words):
            return True
        if self.firsts.isdisjoint(words):
            return False
        return any(_has(words, p) for p in self.multi)

    def subset_of(self, words: frozenset[str]) -> bool:
        """Whether all the words of one of the phrases are in ``words``."""
        if not self.single.isdisjoint(words):
            return True
        return any(words.issuperset(p) for p in self.multi)

    def starts(self, words: tuple[str, ...]) -> bool:
        """Whether ``words`` starts with one of the phrases and goes on after it."""
        return any(n < len(words) and words[:n] in self.prefixes for n in self.lengths)


@dataclass(frozen=True)
class _Phrase:
    """A phrase of the classifier, with what it needs to match."""

    words: tuple[str, ...]
    ambiguous: bool
    # Words that qualify an ambiguous phrase (before it, or as its owner's words).
    qualifying: frozenset[str]
    # Imported modules that make an ambiguous phrase personal without a qualifier.
    modules: frozenset[bytes]
    # Phrases that cancel the category anywhere in the identifier.
    exclude: _Phrases


@dataclass(frozen=True)
class _Unit:
    """What one unit (a run of identifier characters) could contribute."""

    raw: bytes
    words: tuple[str, ...]
    # A phrase heads the unit and needs nothing else.
    sure: bool
    # Ambiguous phrases that head the unit: they need a qualifier somewhere.
    ambiguous: tuple[_Phrase, ...]
    # Phrases the unit ends but that start before it (a key in a string, `"first
    # name"`), with how many of their words must end the text before the unit.
    partial: tuple[tuple[_Phrase, int], ...]
    # The classifier rejects the unit as a Python name (a dunder, a CONSTANT, a
    # negated `is_email`); it can still be part of a key written in a string.
    key_only: bool
    # ... and as a keyword argument (`f(EMAIL=...)`), unless it is negated.
    keyword_ok: bool
    # A builtin the flow sees through when it is called.
    builtin_call: bool

    @property
    def plain(self) -> bool:
        """No occurrence of the unit needs to be looked at for ``sure`` and
        ``ambiguous`` to hold."""
        return not (self.key_only or self.builtin_call)


class PersonalVocabulary:
    """Whether a file's text could make the classifier name a category."""

    def __init__(self, classifier: Classifier, builtin_calls: Iterable[str] = ()) -> None:
        person = classifier.person_phrases
        self.person_single = frozenset(p[0] for p in person if len(p) == 1)
        self.person_multi = _Phrases(p for p in person if len(p) > 1)
        self.transparent = classifier.transparent_suffixes
        self.negating = _Phrases(classifier.negating_prefixes)
        self.transformed = _Phrases(classifier.transformed_phrases)
        by_last: dict[str, list[_Phrase]] = {}
        for category in classifier.categories.values():
            qualifying = frozenset(category.qualifiers | self.person_single)
            modules = frozenset(m.encode() for m in category.context_imports)
            exclude = _Phrases(category.exclude)
            for phrase in category.include:
                by_last.setdefault(phrase[-1], []).append(
                    _Phrase(phrase, False, frozenset(), frozenset(), exclude)
                )
            for phrase in category.ambiguous:
                by_last.setdefault(phrase[-1], []).append(
                    _Phrase(phrase, True, qualifying, modules, exclude)
                )
        self.by_last = by_last
        self.builtin_calls = frozenset(builtin_calls)
        self._units: dict[bytes, _Unit] = {}
        self._people: dict[bytes, bool] = {}
        self._unit_words: dict[bytes, tuple[str, ...]] = {}

    # -- one unit, memoised across files ------------------------------------------------

    def _unit(self, raw: bytes) -> _Unit:
        unit = self._units.get(raw)
        if unit is None:
            unit = self._analyse(raw)
            if len(self._units) < 200_000:
                self._units[raw] = unit
        return unit

    def _analyse(self, raw: bytes) -> _Unit:
        text = raw.decode("ascii")
        words = without_window(split_words(text))
        sure = False
        ambiguous: list[_Phrase] = []
        partial: list[tuple[_Phrase, int]] = []
        end = len(words)
        while end > 0 and not sure:
            for phrase in self.by_last.get(words[end - 1], ()):
                start = end - len(phrase.words)
                if start >= 0:
                    if words[start:end] != phrase.words or phrase.exclude.within(words):
                        continue
                    before = words[:start]
                    if before and self.transformed.within(before):
                        continue
                    if not phrase.ambiguous or not phrase.qualifying.isdisjoint(before):
                        sure = True
                    else:
                        ambiguous.append(phrase)
                elif phrase.words[-end:] == words[:end] and not phrase.exclude.within(words):
                    partial.append((phrase, -start))
            last = words[end - 1]
            if not (last in self.transparent or last.isdigit()):
                break
            end -= 1
        link = linking_word(words)
        if not sure and link is not None:
            # As the classifier: the words before `of` (`for`) name the data on their own.
            head = "_".join(words[: words.index(link)])
            sure = self._analyse(head.encode("ascii")).sure
        letters = text.replace("_", "")
        name_rejected = (text.startswith("__") and text.endswith("__")) or (
            letters.isupper() and len(letters) > 1
        )
        negated = self.negating.starts(words)
        # A keyword (`from`, `as`) is never a name, an attribute or an argument: only
        # a key written in a string or a column of a query.
        reserved = keyword.iskeyword(text)
        return _Unit(
            raw,
            words,
            sure,
            tuple(ambiguous),
            tuple(partial),
            name_rejected or negated or reserved,
            name_rejected and not negated and not reserved,
            text in self.builtin_calls,
        )

    # -- one file -------------------------------------------------------------------------

    def unit_words(self, data: bytes) -> frozenset[str]:
        """The words of every identifier, key and other run of name characters of
        ``data``."""
        known = self._unit_words
        words: set[str] = set()
        for raw in set(_UNIT.findall(data)):
            split = known.get(raw)
            if split is None:
                split = split_words(raw.decode("ascii"))
                if len(known) < 200_000:
                    known[raw] = split
            words.update(split)
        return frozenset(words)

    def names_people(self, data: bytes, code: Optional[bytes] = None) -> bool:
        """Whether ``data`` has an identifier, key or path with a word that names a
        person (``customers``, ``patient_rows``, ``"users.csv"``)."""
        single = self.person_single
        multi = self.person_multi
        seen = self._people
        if code is None:
            code = code_view(data)
        for raw in set(_UNIT.findall(code)):
            answer = seen.get(raw)
            if answer is None:
                words = split_words(raw.decode("ascii"))
                answer = not single.isdisjoint(words) or multi.within(words)
                if len(seen) < 200_000:
                    seen[raw] = answer
            if answer:
                return True
        return False

    def matches(self, data: bytes, code: Optional[bytes] = None) -> bool:
        """Whether ``data`` could hold an identifier, key or literal naming personal
        data."""
        if code is None:
            code = code_view(data)
        raw_units = set(_UNIT.findall(code))
        known = self._units.get
        units = []
        for raw in raw_units:
            unit = known(raw) or self._unit(raw)
            if unit.sure and unit.plain:
                return True
            if unit.ambiguous or unit.partial or unit.sure:
                units.append(unit)
        # Every unit that could matter is in `units`; the others have no word of a
        # phrase, but their words can still qualify one.
        context = _FileContext(self, code, raw_units, units, known)
        pending = []
        for unit in units:
            if unit.plain:
                if unit.sure or any(context.qualified_anywhere(p) for p in unit.ambiguous):
                    return True
                if unit.partial or any(context.could_qualify(p) for p in unit.ambiguous):
                    pending.append(unit)
            elif unit.sure or unit.ambiguous or unit.partial:
                pending.append(unit)
        for unit in pending:
            for start in _occurrences(code, unit.raw):
                if context.occurrence(unit, start, start + len(unit.raw)):
                    return True
        return _LITERAL.search(code) is not None


def _occurrences(code: bytes, raw: bytes) -> Iterable[int]:
    """Where ``raw`` occurs in ``code`` as a whole unit."""
    find = code.find
    size = len(raw)
    i = find(raw)
    while i >= 0:
        if (i == 0 or not _is_unit_byte(code[i - 1])) and (
            i + size >= len(code) or not _is_unit_byte(code[i + size])
        ):
            yield i
        i = find(raw, i + size)


def _has(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs in ``words`` as consecutive words."""
    n = len(phrase)
    if n == 1:
        return phrase[0] in words
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


class _FileContext:
    """Lazily computed facts about one file (its code view), for the checks."""

    def __init__(
        self,
        vocabulary: PersonalVocabulary,
        code: bytes,
        raw_units: set[bytes],
        units: list[_Unit],
        known: Callable[[bytes], Optional[_Unit]],
    ) -> None:
        self.vocabulary = vocabulary
        self.code = code
        self.raw_units = raw_units
        self.units = units
        self._known = known
        self._words: Optional[frozenset[str]] = None
        self._sql: Optional[frozenset[str]] = None
        self._has_sql: Optional[bool] = None
        self._classes: Optional[frozenset[str]] = None
        self._could: dict[_Phrase, bool] = {}
        self._anywhere: dict[_Phrase, bool] = {}
        self._loop_owners: dict[bytes, list[tuple[str, ...]]] = {}
        self._strings: Optional[tuple[list[int], list[int]]] = None
        self._brackets: Optional[list[int]] = None

    @property
    def words(self) -> frozenset[str]:
        """Every word of the file."""
        if self._words is None:
            unit_of = self._known
            words: set[str] = set()
            for raw in self.raw_units:
                unit = unit_of(raw) or self.vocabulary._unit(raw)
                words.update(unit.words)
            self._words = frozenset(words)
        return self._words

    @property
    def has_sql(self) -> bool:
        """Whether a string of the file starts like a SQL statement."""
        if self._has_sql is None:
            self._has_sql = _SQL.search(self.code) is not None
        return self._has_sql

    @property
    def sql_words(self) -> frozenset[str]:
        """The words of the tables the file's SQL statements name (a column's owner is
        its table: `FROM customers`, `INTO patients`, `UPDATE users`, `TABLE members`)."""
        if self._sql is None:
            code = self.code
            words: set[str] = set()
            if self.has_sql:
                for match in _SQL.finditer(code):
                    first = match.start()
                    quote = code[first : first + 1]
                    if code[first - 2 : first + 1] == quote * 3:
                        quote = quote * 3
                    body = _STRING_BODY[quote].match(code, first + 1)
                    text = code[first : body.end() if body else len(code)]
                    for table in _SQL_TABLE.findall(text):
                        words.update(split_words(table.decode("latin-1")))
            self._sql = frozenset(words)
        return self._sql

    @property
    def class_words(self) -> frozenset[str]:
        """The words of every class-like identifier of the file's code (not of its
        strings: a message's capitalised words name no class)."""
        if self._classes is None:
            self._classes = frozenset(
                word
                for name in set(_CLASS_LIKE.findall(names_view(self.code, self.strings)))
                for word in split_words(name.decode("ascii"))
            )
        return self._classes

    def could_qualify(self, phrase: _Phrase) -> bool:
        """Whether any word of the file could qualify an ambiguous ``phrase``."""
        qualified = self._could.get(phrase)
        if qualified is None:
            qualified = self._qualifies_set(phrase, self.words) or self._has_module(phrase)
            self._could[phrase] = qualified
        return qualified

    def qualified_anywhere(self, phrase: _Phrase) -> bool:
        """Whether ``phrase`` is qualified wherever it occurs: an import sets the
        context, or a class-like name or a SQL table of the file could be the owner
        a rule gives it (a model's fields)."""
        qualified = self._anywhere.get(phrase)
        if qualified is None:
            qualified = (
                self._has_module(phrase)
                or self._qualifies_set(phrase, self.class_words)
                or self._qualifies_set(phrase, self.sql_words)
            )
            self._anywhere[phrase] = qualified
        return qualified

    def _has_module(self, phrase: _Phrase) -> bool:
        return bool(phrase.modules) and not phrase.modules.isdisjoint(self.raw_units)

    def _qualifies_set(self, phrase: _Phrase, words: frozenset[str]) -> bool:
        if not phrase.qualifying.isdisjoint(words):
            return True
        return self.vocabulary.person_multi.subset_of(words)

    def _qualifies(self, phrase: _Phrase, words: tuple[str, ...]) -> bool:
        """Whether an owner with these words could qualify ``phrase``."""
        if not phrase.qualifying.isdisjoint(words):
            return True
        return self.vocabulary.person_multi.within(words)

    def occurrence(self, unit: _Unit, start: int, end: int) -> bool:
        """Whether this occurrence of ``unit`` could be classified."""
        code = self.code
        if unit.builtin_call and self._is_builtin_call(start, end):
            return False
        line_start = code.rfind(b"\n", 0, start) + 1
        prefix = code[line_start:start]
        # Only a key written in a string has words outside its unit (`"first name"`).
        in_string = b'"' in prefix or b"'" in prefix
        if unit.key_only and not (in_string or self._key_like(unit, end)):
            return False
        if unit.sure:
            return True
        if in_string and not self.has_sql and not self._heads_string(start, end):
            # Words follow it in its string: a key or label is classified by its last
            # words (`"lead to inconsistencies"`, `"name of the form"`).
            return False
        line_words = split_words(prefix.decode("latin-1")) if in_string else ()
        candidates: list[tuple[_Phrase, tuple[str, ...]]] = [(p, ()) for p in unit.ambiguous]
        for phrase, missing in unit.partial:
            if line_words[-missing:] == phrase.words[:missing]:
                if not phrase.ambiguous:
                    return True
                candidates.append((phrase, line_words[:-missing]))
        enclosing: Optional[tuple[str, ...]] = None
        for phrase, before in candidates:
            if not self.could_qualify(phrase):
                continue
            if self.qualified_anywhere(phrase):
                return True
            if not phrase.qualifying.isdisjoint(before) or not phrase.qualifying.isdisjoint(
                line_words
            ):
                return True
            if any(self._qualifies(phrase, owner) for owner in self._owners(start)):
                return True
            if enclosing is None:
                enclosing = self._enclosing_words(start)
            if self._qualifies(phrase, enclosing):
                return True
        return False

    @property
    def strings(self) -> tuple[list[int], list[int]]:
        """Where the bodies of the file's plain string literals start and end."""
        if self._strings is None:
            self._strings = _plain_strings(self.code)
        return self._strings

    def _heads_string(self, start: int, end: int) -> bool:
        """Whether the unit at ``start:end`` could end a key or label: it is not inside
        a plain string literal, or only separators, transparent suffixes and digits
        follow it up to the string's end, a placeholder or a delimiter."""
        starts, ends = self.strings
        index = bisect.bisect_right(starts, start) - 1
        if index < 0 or ends[index] <= start:
            return True  # code, or an f-string whose fields are code
        code = self.code
        limit = ends[index]
        transparent = self.vocabulary.transparent
        j = end
        while j < limit:
            byte = code[j]
            if byte in _WORD_JOINERS:
                j += 1
                continue
            if not _is_unit_byte(byte) or byte == 95:  # `_` is a joiner too
                return True
            k = j
            while k < limit and _is_unit_byte(code[k]) and code[k] != 95:
                k += 1
            word = code[j:k].decode("latin-1").lower()
            if not (word.isdigit() or word in transparent):
                return False
            j = k
        return True

    def _enclosing_words(self, start: int) -> tuple[str, ...]:
        """Words from the line where the innermost bracket around ``start`` opens up to
        ``start``: the key or name a dict is stored under (`"delivery": {`), or the
        template a value is formatted into (`"SMS %s for %s" % (`), which the flow lets
        qualify it."""
        code = self.code
        opening = self._unmatched_open(start)
        if opening is None:
            return ()
        line_start = code.rfind(b"\n", 0, opening) + 1
        return split_words(code[line_start:start].decode("latin-1"))

    def _unmatched_open(self, start: int, limit: int = 2_000) -> Optional[int]:
        """Index of the innermost bracket still open at ``start``, looking back at most
        ``limit`` bytes."""
        if self._brackets is None:
            self._brackets = [m.start() for m in _BRACKET.finditer(self.code)]
        positions = self._brackets
        code = self.code
        stop = start - limit
        depth = 0
        for index in range(bisect.bisect_left(positions, start) - 1, -1, -1):
            i = positions[index]
            if i < stop:
                break
            if code[i] in b")]}":
                depth += 1
            elif depth == 0:
                return i
            else:
                depth -= 1
        return None

    def _key_like(self, unit: _Unit, end: int) -> bool:
        """Whether an occurrence outside a one-line string could be a key: a column
        of a multi-line query, or a keyword argument."""
        if self.has_sql:
            return True
        if unit.keyword_ok:
            code = self.code
            j = _skip_forward(code, end)
            return code[j : j + 1] == b"=" and code[j + 1 : j + 2] != b"="
        return False

    # -- owners ---------------------------------------------------------------------------

    def _owners(self, start: int) -> list[tuple[str, ...]]:
        """Words of what the identifier or key at ``start`` could belong to
        (``customer`` in ``customer.name``, ``customer["name"]``,
        ``customer.get("name")``, ``get_customer().name``)."""
        code = self.code
        i = _skip_back(code, start)
        before = code[i - 1 : i]
        if before == b".":
            return self._expression_owners(i - 1)
        if before in (b'"', b"'"):
            i -= 1
            while i > 0 and code[i - 1] in _STRING_PREFIX:
                i -= 1
            i = _skip_back(code, i)
            opener = code[i - 1 : i]
            if opener == b"[":
                return self._expression_owners(i - 1)
            if opener == b"(":
                j = _skip_back(code, i - 1)
                k = j
                while k > 0 and _is_unit_byte(code[k - 1]):
                    k -= 1
                if k < j:
                    m = _skip_back(code, k)
                    if code[m - 1 : m] == b".":
                        return self._expression_owners(m - 1)
        return []

    def _expression_owners(self, end: int, depth: int = 0) -> list[tuple[str, ...]]:
        """Owner words of the expression that ends just before ``code[end]``."""
        code = self.code
        i = _skip_back(code, end)
        if i == 0 or depth > 8:
            return []
        last = code[i - 1]
        if _is_unit_byte(last):
            k = i
            while k > 0 and _is_unit_byte(code[k - 1]):
                k -= 1
            name = code[k:i]
            # `self` and `cls` belong to the class: its name is a class-like word; a
            # loop variable to the collection it runs over.
            return [split_words(name.decode("ascii")), *self._iterated_by(name)]
        if last in b")]":
            opening = _matching_open(code, i - 1)
            if opening is None:
                return [tuple(self.words)]
            inner = _UNIT.findall(code, opening + 1, i - 1)
            owners = [split_words(inner[-1].decode("ascii"))] if inner else []
            return owners + self._expression_owners(opening, depth + 1)
        return []

    def _iterated_by(self, name: bytes) -> list[tuple[str, ...]]:
        """Words of the collections a loop variable ``name`` runs over
        (`consultations` for `c` in `for c in consultations`)."""
        owners = self._loop_owners.get(name)
        if owners is None:
            pattern = re.compile(rb"\bfor\s+" + re.escape(name) + rb"\s+in\s+([A-Za-z_][\w.]*)")
            owners = [
                split_words(match.group(1).rsplit(b".", 1)[-1].decode("ascii"))
                for match in pattern.finditer(self.code)
            ]
            self._loop_owners[name] = owners
        return owners

    def _is_builtin_call(self, start: int, end: int) -> bool:
        """``zip(...)`` called as a plain name (not ``x.zip(...)``, not ``def zip(``)."""
        code = self.code
        j = _skip_forward(code, end)
        if code[j : j + 1] != b"(":
            return False
        i = _skip_back(code, start)
        if code[i - 1 : i] == b".":
            return False
        head = code[max(0, i - 6) : i]
        return not (head.endswith(b"def") or head.endswith(b"class"))


# Between the words of one key: `first name`, `first-name`, `customer.name`.
_WORD_JOINERS = frozenset(b" -._")


def _plain_strings(code: bytes) -> tuple[list[int], list[int]]:
    """Where the bodies of the plain (not f-) string literals of ``code`` start and
    end, in order."""
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    search = _LEX.search
    while True:
        match = search(code, pos)
        if match is None:
            break
        quote = match.group(2)
        if quote is None:
            pos = match.end()
            continue
        body = _STRING_BODY[quote].match(code, match.end())
        end = body.end() - len(quote) if body is not None else len(code)
        if b"f" not in match.group(1).lower():
            starts.append(match.end())
            ends.append(end)
        pos = max(end + len(quote), match.end())
    return starts, ends


def _is_unit_byte(byte: int) -> bool:
    return byte == 95 or 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122


def _skip_back(code: bytes, i: int) -> int:
    while i > 0 and code[i - 1] in _WHITESPACE:
        i -= 1
    return i


def _skip_forward(code: bytes, j: int) -> int:
    while j < len(code) and code[j] in b" \t":
        j += 1
    return j


def _matching_open(code: bytes, close: int, limit: int = 20_000) -> Optional[int]:
    """Index of the bracket that ``code[close]`` closes (brackets in strings count
    too; good enough to find an owner, and the caller stays conservative)."""
    depth = 0
    stop = max(0, close - limit)
    for i in range(close, stop - 1, -1):
        byte = code[i]
        if byte in b")]}":
            depth += 1
        elif byte in b"([{":
            depth -= 1
            if depth == 0:
                return i
    return None


def compiles(path: str, data: bytes) -> bool:
    """Whether Python's parser accepts ``data`` (syntax only; nothing is executed)."""
    try:
        with warnings.catch_warnings():  # the checked file's problems are not ours
            warnings.simplefilter("ignore")
            compile(data, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except Exception:  # SyntaxError, ValueError (null bytes), RecursionError, ...
        return False
    return True


# Any of these in a file makes the engine look at it whatever the rules' triggers say:
# NUL bytes (a notice) and suppression comments (whose use is checked).
_ALWAYS_CHECKED = (b"\0", MARKER)


class Prefilter:
    """Per-rule trigger tests, built once per process from the enabled rules."""

    def __init__(
        self,
        rules: Sequence[tuple[Any, Sequence[Sequence[str]]]],
        classifier: Classifier,
        builtin_calls: Iterable[str] = (),
        joins: Sequence[tuple[Any, Sequence[str]]] = (),
    ) -> None:
        # What it was built from, by rule id: the main process rebuilds it from this
        # (``spec``, ``from_spec``) without importing any rule.
        self._spec = {
            "rules": [[getattr(r, "id", r), [list(g) for g in groups]] for r, groups in rules],
            "builtins": sorted(builtin_calls),
            "joins": [[getattr(r, "id", r), list(words)] for r, words in joins],
        }
        self._personal: Optional[PersonalVocabulary] = None
        # Per rule, the words with which it may record facts that other files' facts
        # join (``Rule.join_triggers``).
        self.joins = [(rule, tuple(w.encode() for w in _minimal(words))) for rule, words in joins]
        self._classifier = classifier
        self._builtin_calls = tuple(builtin_calls)
        # Per rule, its groups: (words of the text, words of the import statements,
        # whether the personal-data vocabulary satisfies the group).
        self.rules: list[tuple[Any, list[_Group]]] = []
        for rule, groups in rules:
            compiled = []
            for group in groups:
                text = _minimal(
                    w
                    for w in group
                    if w not in (PERSONAL, PEOPLE) and not w.startswith((IMPORT, NAME))
                )
                named = frozenset(
                    word
                    for w in group
                    if w.startswith(NAME)
                    for word in split_words(w[len(NAME) :])
                )
                imported = [
                    w
                    for w in _minimal(w[len(IMPORT) :] for w in group if w.startswith(IMPORT))
                    if not any(t in w for t in text)  # found anywhere, found in an import
                ]
                compiled.append(
                    (
                        tuple(w.encode() for w in text),
                        tuple(w.encode() for w in imported),
                        PERSONAL in group,
                        PEOPLE in group,
                        named,
                    )
                )
            # A group that is the personal-data vocabulary alone goes first: it is
            # decided once per file, and when it fails no word of the rule is tested.
            compiled.sort(
                key=lambda g: not (g[2] and not g[0] and not g[1] and not g[3] and not g[4])
            )
            self.rules.append((rule, compiled))
        # The text `select` last saw, lower-cased, and its runs (for `joiners`).
        self._last: Optional[tuple[bytes, bytes]] = None
        self._last_runs: Optional[tuple[bytes, bytes]] = None
        # Per join word, its longest run of name characters (as `_keys` below).
        self._join_keys: dict[bytes, bytes] = {}
        for _, join_words in self.joins:
            for word in join_words:
                runs = _LOWER_RUN.findall(word)
                key = max(runs, key=len) if runs else b""
                self._join_keys[word] = word if key == word else key
        # Per word of the text tests, its longest run of name characters (the word
        # itself when it is one run; empty when it has none).
        self._keys: dict[bytes, bytes] = {}
        for _, rule_groups in self.rules:
            for rule_group in rule_groups:
                for trigger in rule_group[0]:
                    runs = _LOWER_RUN.findall(trigger)
                    key = max(runs, key=len) if runs else b""
                    self._keys[trigger] = trigger if key == trigger else key

    def spec(self) -> dict[str, Any]:
        """What the prefilter was built from (plain data, the rules named by id)."""
        return self._spec

    @classmethod
    def from_spec(cls, spec: Any, classifier: Classifier) -> Optional[Prefilter]:
        """The prefilter ``spec`` describes, its rules standing as their ids; None for
        a spec that is not one."""
        try:
            rules = [(str(i), [[str(w) for w in g] for g in groups]) for i, groups in spec["rules"]]
            joins = [(str(i), [str(w) for w in words]) for i, words in spec["joins"]]
            builtins = [str(b) for b in spec["builtins"]]
        except (KeyError, TypeError, ValueError):
            return None
        return cls(rules, classifier, builtins, joins)

    def unparsed(self, path: str, data: bytes, defer: bool) -> Optional[FileResult]:
        """The result of a file that no rule needs parsed (``Checker.check`` gives the
        same): skipped, or with ``defer`` deferred, once Python's own parser accepts
        it. None when the file is to be checked by the engine."""
        if any(marker in data for marker in _ALWAYS_CHECKED):
            return None
        chosen = self.select(data)
        if chosen:
            return None
        deferred = bool(self.joiners(data, chosen))
        if deferred and not defer:
            return None
        if not compiles(path, data):
            return None  # the engine reports where
        return FileResult(path=path, skipped_by_prefilter=True, deferred=deferred)

    @property
    def personal(self) -> PersonalVocabulary:
        if self._personal is None:
            self._personal = PersonalVocabulary(self._classifier, self._builtin_calls)
        return self._personal

    def select(self, data: bytes) -> list[Any]:
        """The rules whose every trigger group is satisfied by ``data``."""
        # Substring tests are many times faster than a regular expression alternating
        # over a few hundred words. Most words are first looked for among the file's
        # distinct runs of name characters (a fraction of its size): a word's longest
        # such run must be there before the word itself is looked for in the text.
        lowered = data.lower()
        runs: Optional[bytes] = None
        code: Optional[bytes] = None
        keys = self._keys
        self._last = (data, lowered)
        found: dict[bytes, bool] = {}
        imports: Optional[bytes] = None
        personal: Optional[bool] = None
        people: Optional[bool] = None
        words: Optional[frozenset[str]] = None
        chosen = []
        for rule, groups in self.rules:
            for text, imported, needs_personal, needs_people, named in groups:
                hit = False
                for word in text:
                    present = found.get(word)
                    if present is None:
                        key = keys[word]
                        if key:
                            if runs is None:
                                runs = self._runs(lowered)
                            present = key in runs and (len(key) == len(word) or word in lowered)
                        else:
                            present = word in lowered
                        found[word] = present
                    if present:
                        hit = True
                        break
                if not hit and imported:
                    if imports is None:
                        imports = _import_lines(lowered)
                    hit = any(word in imports for word in imported)
                if not hit and needs_personal:
                    if personal is None:
                        if code is None:
                            code = code_view(data)
                        personal = self.personal.matches(data, code)
                    hit = personal
                if not hit and needs_people:
                    if people is None:
                        if code is None:
                            code = code_view(data)
                        people = self.personal.names_people(data, code)
                    hit = people
                if not hit and named:
                    # A word of an identifier is first of all a substring of the text:
                    # the identifiers are split only when one of the words is there.
                    candidates = [w for w in named if _probe(w) in lowered]
                    if candidates:
                        if words is None:
                            words = self.personal.unit_words(data)
                        hit = not words.isdisjoint(candidates)
                if not hit:
                    break
            else:
                chosen.append(rule)
        return chosen

    def joiners(self, data: bytes, chosen: Sequence[Any] = ()) -> list[Any]:
        """The rules not in ``chosen`` that may record facts for other files' facts to
        join (``Rule.join_triggers``)."""
        if not self.joins:
            return []
        last = self._last
        lowered = last[1] if last is not None and last[0] is data else data.lower()
        runs = self._runs(lowered)
        keys = self._join_keys
        return [
            rule
            for rule, words in self.joins
            if rule not in chosen
            and any(
                keys[word] in runs and (len(keys[word]) == len(word) or word in lowered)
                if keys[word]
                else word in lowered
                for word in words
            )
        ]

    def _runs(self, lowered: bytes) -> bytes:
        """The distinct runs of name characters of a lower-cased text, one per line
        (computed once per text)."""
        cached = self._last_runs
        if cached is not None and cached[0] is lowered:
            return cached[1]
        runs = b"\n".join(set(_LOWER_RUN.findall(lowered)))
        self._last_runs = (lowered, runs)
        return runs


_Group = tuple[tuple[bytes, ...], tuple[bytes, ...], bool, bool, frozenset[str]]


@lru_cache(maxsize=4096)
def _probe(word: str) -> bytes:
    """Text that every spelling of an identifier's word contains: `allerg` for
    `allergy` (`allergies`); nothing for `number` (`phone_no`)."""
    if word == "number":
        return b""
    if len(word) > 3 and word.endswith("y"):
        word = word[:-1]
    return word.encode()


def _minimal(words: Iterable[str]) -> list[str]:
    """Lower-cased ``words`` without those that contain another one (they add nothing
    to a substring test)."""
    kept: list[str] = []
    for word in sorted({w.lower() for w in words}, key=len):
        if not any(shorter in word for shorter in kept):
            kept.append(word)
    return kept


def _import_lines(lowered: bytes) -> bytes:
    """The lines of a (lower-cased) file that start an import statement."""
    return b"\n".join(
        line for line in lowered.splitlines() if line.lstrip().startswith((b"import ", b"from "))
    )
