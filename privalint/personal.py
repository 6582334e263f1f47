"""Which category of personal data an identifier, key or literal names.

The knowledge (phrases, exclusions, qualifiers) lives in ``rules/catalog/categories.toml``
and in the user's ``[tool.privalint.personal-data]``; this module only matches it.

Matching works on words, never on substrings: an identifier is split into lower-case
words (snake, camel, Pascal, kebab, spaces, digits, acronyms) and a category's phrase
must be the *head* of the identifier, the last words once transparent suffixes such as
``_str`` or ``_raw`` are dropped. That one rule keeps ``email_template``,
``phone_model``, ``address_family`` and ``health_check`` out, while ``billing_email``
and ``contact_phone`` are in. Ambiguous heads (``name``, ``address``, ``number``) need
a person nearby: a qualifying word (``first_name``), a person-like owner
(``customer.name``, ``patient["address"]``, ``self.name`` inside ``class Customer``),
or, for some categories, an import that sets the context (``number`` in a module that
imports ``twilio``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

SENSITIVITIES = ("personal", "special", "credential")

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_NUMBER_ABBREVIATIONS = frozenset({"no", "nr", "nbr", "num"})
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def _singular(word: str) -> str:
    if word == "ids":
        return "id"
    if len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "os")):
        return word
    return word[:-1]


# Identifiers of two words or more, snake_case or camelCase (`partner_dob`, `partnerDob`).
_PREFIXED = re.compile(rb"\b[A-Za-z][a-z0-9]*(?:_[A-Za-z0-9]|[a-z0-9][A-Z])[A-Za-z0-9_]*")
# Words that join what an identifier names to whose it is (`email_of_guarantor`,
# `password_for_callers`).
LINKING_WORDS = ("of", "for")


def linking_word(words: Sequence[str]) -> Optional[str]:
    """The first of `LINKING_WORDS` between an identifier's first and last words."""
    return next((w for w in words[1:-1] if w in LINKING_WORDS), None)


# A context entry saying that a word names a person in the file (`Classifier.people_named`).
PERSON_CONTEXT = "person:"


@lru_cache(maxsize=65536)
def split_words(text: str) -> tuple[str, ...]:
    """``"customerEmailAddress"`` -> ``("customer", "email", "address")``."""
    words: list[str] = []
    for chunk in _NON_ALNUM.split(text):
        if chunk:
            words.extend(_singular(w.lower()) for w in _WORD.findall(chunk))
    # `phone_no`, `passport_nr`, `account_num`: abbreviations of "number" (but a
    # leading `no_`/`num_` is a negation or a count).
    return tuple("number" if i and w in _NUMBER_ABBREVIATIONS else w for i, w in enumerate(words))


def _phrases(values: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    out = {split_words(v) for v in values}
    out.discard(())
    return tuple(sorted(out, key=lambda p: (-len(p), p)))


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    if n == 1:
        return phrase[0] in words
    first = phrase[0]
    return any(words[i] == first and words[i : i + n] == phrase for i in range(len(words) - n + 1))


_CONJUNCTIONS = frozenset({"and", "or"})


def _last_conjunct(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words after the last `and`/`or`: in `owner_and_name` the owner does not
    qualify the name."""
    for index in range(len(words) - 1, -1, -1):
        if words[index] in _CONJUNCTIONS:
            return words[index + 1 :]
    return words


@dataclass(frozen=True)
class Category:
    """One category of the taxonomy, with the phrases that name it."""

    id: str
    label: str
    sensitivity: str
    include: tuple[tuple[str, ...], ...]
    ambiguous: tuple[tuple[str, ...], ...]
    qualifiers: frozenset[str]
    exclude: tuple[tuple[str, ...], ...]
    context_imports: frozenset[str]
    examples: tuple[str, ...]
    # Whether a person word qualifies an ambiguous head (`customer_name` is a name,
    # but `customer_number` is an id, not a phone number).
    person_qualifies: bool = True
    # The ambiguous phrases only the category's qualifiers qualify, never a person: a
    # `member.share_code` is a sharing link's, a `RightToRentCheck.share_code` is not.
    qualified_only: tuple[tuple[str, ...], ...] = ()

    @property
    def special(self) -> bool:
        return self.sensitivity == "special"


class CatalogError(ValueError):
    """The categories catalog or its user extension is malformed."""


def _str_list(table: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}.{key} must be a list of strings")
    return value


def load_categories(data: Mapping[str, Any]) -> dict[str, Category]:
    """Build the categories from the merged catalog's ``categories`` table."""
    categories: dict[str, Category] = {}
    for cid, table in data.items():
        where = f"categories.{cid}"
        if not isinstance(table, Mapping):
            raise CatalogError(f"{where} must be a table")
        sensitivity = table.get("sensitivity", "personal")
        if sensitivity not in SENSITIVITIES:
            raise CatalogError(
                f"{where}.sensitivity is {sensitivity!r}; valid: {', '.join(SENSITIVITIES)}"
            )
        categories[cid] = Category(
            id=cid,
            label=str(table.get("label", cid)),
            sensitivity=sensitivity,
            include=_phrases(_str_list(table, "include", where)),
            # Phrases qualified by qualifiers alone are ambiguous phrases too.
            ambiguous=_phrases(
                _str_list(table, "ambiguous", where) + _str_list(table, "qualified-only", where)
            ),
            qualifiers=frozenset(
                w for q in _str_list(table, "qualifiers", where) for w in split_words(q)
            ),
            exclude=_phrases(_str_list(table, "exclude", where)),
            context_imports=frozenset(_str_list(table, "context-imports", where)),
            examples=tuple(_str_list(table, "examples", where)),
            person_qualifies=bool(table.get("person-qualifies", True)),
            qualified_only=_phrases(_str_list(table, "qualified-only", where)),
        )
    return categories


@dataclass(frozen=True)
class _Candidate:
    phrase: tuple[str, ...]
    category: Category
    ambiguous: bool
    # Qualified by the category's qualifiers alone, not by a person.
    strict: bool = False


# Identifier kinds: a Python name follows naming conventions (an ALL_CAPS name is a
# constant, a dunder is Python's own); a key (dict key, form field, keyword) does not.
NAME = "name"
KEY = "key"


class Classifier:
    """Classifies identifiers into categories; one instance per catalog, memoised."""

    def __init__(self, catalog: Mapping[str, Any]) -> None:
        self.categories = load_categories(catalog.get("categories", {}))
        settings = catalog.get("personal-data", {})
        where = "personal-data"
        self._transparent = frozenset(
            w for s in _str_list(settings, "transparent-suffixes", where) for w in split_words(s)
        )
        self._negating = _phrases(_str_list(settings, "negating-prefixes", where))
        self._transformed = _phrases(_str_list(settings, "transformed", where))
        self._sealed = frozenset(
            w for s in _str_list(settings, "sealed-words", where) for w in split_words(s)
        )
        self._person = _phrases(_str_list(settings, "person-words", where))
        self._person_words = frozenset(p[0] for p in self._person if len(p) == 1)
        self._ignored = frozenset(_str_list(settings, "ignore", where))
        self._content_words = frozenset(
            w for s in _str_list(settings, "content-words", where) for w in split_words(s)
        )
        self._vague_words = frozenset(
            w for s in _str_list(settings, "vague-words", where) for w in split_words(s)
        )
        # Besides the special categories, categories whose records' free-text content is
        # of the category (the summary of a call `Recording`).
        self._content_owner_categories = frozenset(
            _str_list(settings, "content-owner-categories", where)
        )
        # A class with fields of this many of these categories is a record about a
        # person (see `FileContext.classify`).
        self.person_record_categories = frozenset(
            _str_list(settings, "person-record-categories", where)
        )
        minimum = settings.get("person-record-minimum", 2)
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
            raise CatalogError(f"{where}.person-record-minimum must be a positive integer")
        self.person_record_minimum = minimum
        self.person_record_reveals = frozenset(_str_list(settings, "person-record-reveals", where))
        self.person_record_requires = frozenset(
            _str_list(settings, "person-record-requires", where)
        )
        self._flag_prefixes = frozenset(_str_list(settings, "flag-prefixes", where))
        self._flag_process_words = frozenset(
            w for s in _str_list(settings, "flag-process-words", where) for w in split_words(s)
        )
        unclear_in_prose = set(_phrases(_str_list(settings, "unclear-in-prose", where)))
        prose = [
            (phrase, category)
            for category in self.categories.values()
            for phrase in category.include
            if phrase not in unclear_in_prose
        ]
        prose.sort(key=lambda item: -len(item[0]))
        self._prose = tuple(prose)
        self._ambiguous_words = frozenset(
            phrase[0]
            for category in self.categories.values()
            for phrase in category.ambiguous
            if len(phrase) == 1
        )
        self._business_words = frozenset(
            w for s in _str_list(settings, "business-words", where) for w in split_words(s)
        )
        self._business_categories = frozenset(_str_list(settings, "business-categories", where))
        self._animal_words = frozenset(
            w for s in _str_list(settings, "animal-words", where) for w in split_words(s)
        )
        self._animal_categories = frozenset(_str_list(settings, "animal-categories", where))
        self._container_owners = frozenset(
            w for s in _str_list(settings, "container-owners", where) for w in split_words(s)
        )
        self._submission_owners = frozenset(
            w for s in _str_list(settings, "submission-owners", where) for w in split_words(s)
        )
        by_last: dict[str, list[_Candidate]] = {}
        for category in self.categories.values():
            for phrase in category.include:
                by_last.setdefault(phrase[-1], []).append(_Candidate(phrase, category, False))
            for phrase in category.ambiguous:
                by_last.setdefault(phrase[-1], []).append(
                    _Candidate(phrase, category, True, phrase in category.qualified_only)
                )
        for candidates in by_last.values():
            candidates.sort(key=lambda c: -len(c.phrase))
        self._by_last = by_last
        self._context_imports = {
            c.id: c.context_imports for c in self.categories.values() if c.context_imports
        }
        self._cache: dict[tuple[str, str, str, frozenset[str]], Optional[str]] = {}
        # A first word that names a person in a file with `<word>_<data only people
        # have>` (`partner` beside `partner_dob`): see `people_named`.
        self._prefix_categories = frozenset(_str_list(settings, "person-prefix-categories", where))
        vocabulary: set[str] = set(self._transparent) | self._person_words
        vocabulary |= self._business_words | self._animal_words | self._vague_words
        vocabulary |= {w for p in (*self._negating, *self._transformed) for w in p}
        for category in self.categories.values():
            # Words that name data on their own or qualify it (`medical`, `dna`), not the
            # words of longer phrases (`partner` of `partner_gender`).
            for phrase in (*category.include, *category.ambiguous):
                if len(phrase) == 1:
                    vocabulary.update(phrase)
            vocabulary.update(category.qualifiers)
        self._vocabulary = frozenset(vocabulary)
        self._prefixes: dict[bytes, Optional[str]] = {}
        self._special_qualifiers = frozenset(
            w
            for category in self.categories.values()
            if category.sensitivity == "special"
            for q in category.qualifiers
            for w in split_words(q)
        )

    @property
    def person_phrases(self) -> tuple[tuple[str, ...], ...]:
        """The phrases that name a person (``customer``, ``next of kin``)."""
        return self._person

    @property
    def transparent_suffixes(self) -> frozenset[str]:
        """Words dropped from the end of an identifier before matching."""
        return self._transparent

    @property
    def negating_prefixes(self) -> tuple[tuple[str, ...], ...]:
        """First words that turn an identifier into a flag or an action."""
        return self._negating

    @property
    def transformed_phrases(self) -> tuple[tuple[str, ...], ...]:
        """Words before a phrase that say the value no longer reveals the data."""
        return self._transformed

    # -- context --------------------------------------------------------------------

    def context_for(self, imported_modules: Iterable[str]) -> frozenset[str]:
        """Categories whose ambiguous phrases need no qualifier in a file with these imports."""
        heads = {m.lstrip(".").split(".", 1)[0] for m in imported_modules}
        return frozenset(cid for cid, mods in self._context_imports.items() if heads & mods)

    def people_named(self, source: bytes) -> frozenset[str]:
        """Context entries (``person:<word>``) for the first words of ``source``'s
        identifiers that name a person there: `partner` where `partner_dob` or
        `partner_religion` is written, so that `partner_name` is a person's name in
        that file. Only words the vocabulary does not know, before data only people
        have (``person-prefix-categories``)."""
        if not self._prefix_categories:
            return frozenset()
        seen = self._prefixes
        found: set[str] = set()
        for raw in set(_PREFIXED.findall(source)):
            word = seen.get(raw, "")
            if word == "":
                word = self._person_prefix(raw.decode("ascii"))
                if len(seen) < 200_000:
                    seen[raw] = word
            if word is not None:
                found.add(PERSON_CONTEXT + word)
        return frozenset(found)

    def _person_prefix(self, identifier: str) -> Optional[str]:
        words = split_words(identifier)
        if len(words) < 2 or words[0] in self._vocabulary or len(words[0]) < 3:
            return None
        category = self.classify("_".join(words[1:]))
        if category in self._prefix_categories and self.classify(identifier) == category:
            return words[0]
        return None

    def qualifies_special(self, words: Iterable[str]) -> bool:
        """Whether one of ``words`` qualifies a special category's ambiguous phrases
        (`mood`, `medical`, `religious`)."""
        return not self._special_qualifiers.isdisjoint(words)

    def _names_person(self, word: str, context: frozenset[str]) -> bool:
        return word in self._person_words or PERSON_CONTEXT + word in context

    # -- classification ---------------------------------------------------------------

    def is_person(self, identifier: str) -> bool:
        """Whether ``identifier`` names a person (``customer``, ``patientProfile``)."""
        words = split_words(identifier)
        return bool(words) and (
            words[-1] in self._person_words
            or any(_contains(words, p) for p in self._person if len(p) > 1)
        )

    def classify(
        self,
        text: str,
        owner: str = "",
        kind: str = NAME,
        context: frozenset[str] = frozenset(),
    ) -> Optional[str]:
        """The category id that ``text`` names, or ``None``.

        ``owner`` is the object or container the value belongs to (``customer`` for
        ``customer.name``, the class name for ``self.name``); ``context`` comes from
        :meth:`context_for`.
        """
        key = (text, owner, kind, context)
        try:
            return self._cache[key]
        except KeyError:
            pass
        result = self._classify(text, owner, kind, context)
        if len(self._cache) < 200_000:
            self._cache[key] = result
        return result

    def _classify(self, text: str, owner: str, kind: str, context: frozenset[str]) -> Optional[str]:
        if not text or text in self._ignored:
            return None
        if kind == NAME:
            if text.startswith("__") and text.endswith("__"):
                return None
            letters = text.replace("_", "")
            # A constant (EMAIL_HOST, ADMIN_EMAIL) is configuration, not someone's data.
            if letters.isupper() and len(letters) > 1:
                return None
        words = without_window(split_words(text))
        if not words:
            return None
        for phrase in self._negating:
            if words[: len(phrase)] == phrase and len(words) > len(phrase):
                return None
        if (
            owner
            and kind == NAME
            and len(words) <= 2
            and all(w in self._content_words or w in self._vague_words for w in words)
        ):
            # The body of a `Message`, the number of a `Passport`: the owner's words and
            # the attribute make one phrase (`message body`, `passport number`). Not a
            # key: an ASGI `message["body"]` is a request's body.
            joined = (*split_words(owner), *words)
            found = self._match_at(joined, len(joined), "", context)
            if found:
                return found
        end = len(words)
        link = linking_word(words)
        while end > 0:
            found = self._match_at(words, end, owner, context)
            if found:
                return found
            if found is not None:
                # A phrase matched but was rejected: nothing shorter is tried, only
                # what the words before a linking word name (`password_for_callers`).
                if link is None:
                    return None
                break
            if words[end - 1] in self._transparent or words[end - 1].isdigit():
                end -= 1
                continue
            break
        if link is not None:
            # `religion_of_family`, `email_of_guarantor`, `password_for_callers`: what
            # the words before `of` (`for`) name on their own, of the owner the words
            # after it name (a business's contact details stay a business's); not
            # `number_of_users`, whose head names nothing by itself.
            cut = words.index(link)
            head = "_".join(words[:cut])
            if self.classify(head, "", kind, context) is not None:
                found = self.classify(head, "_".join(words[cut + 1 :]), kind, context)
                if found is not None:
                    return found
        if owner and words[-1] in self._content_words and len(words) <= 2:
            # The notes of a `MedicalRecord`, the result of a `CriminalRecordCheck`: a
            # record's free-text content is of the special category the record is about.
            return self._special_owner(split_words(owner))
        return None

    def _special_owner(self, owner_words: tuple[str, ...]) -> Optional[str]:
        for category in self.categories.values():
            if (
                category.sensitivity != "special"
                and category.id not in self._content_owner_categories
            ):
                continue
            for phrase in category.include:
                if _contains(owner_words, phrase) and not any(
                    _contains(owner_words, ex) for ex in category.exclude
                ):
                    return category.id
        return None

    def _match_at(
        self, words: tuple[str, ...], end: int, owner: str, context: frozenset[str]
    ) -> Optional[str]:
        """Category matched by a phrase ending at ``end``; ``""`` when a phrase matched
        but was rejected (so no shorter head is tried); ``None`` when nothing matched."""
        candidates = self._by_last.get(words[end - 1])
        if not candidates:
            return None
        owner_words = split_words(owner) if owner else ()
        # A container's head noun is no kind of thing: exclusions do not apply to it.
        excluding_owner = (
            owner_words if owner_words and owner_words[-1] not in self._container_owners else ()
        )
        rejected = False
        for cand in candidates:
            n = len(cand.phrase)
            start = end - n
            if start < 0 or words[start:end] != cand.phrase:
                continue
            category = cand.category
            # Exclusions apply to the identifier, and to the owner's head noun: a
            # `table.fullname` is a table's, a `shop_customer.first_name` a customer's.
            # A phrase of several words that needs no qualifier (`legal_name`) on an
            # owner named for a person (`Driver`, also a database driver's name) or
            # for what a person submits (a loan `Application`) is that person's.
            owner_vetoes = (
                ()
                if (
                    n > 1
                    and not cand.ambiguous
                    and excluding_owner
                    and (
                        excluding_owner[-1] in self._person_words
                        or excluding_owner[-1] in self._submission_owners
                    )
                )
                # `ReturnLabel.sender_name`: the name says whose it is.
                or any(w in self._person_words for w in words[:start])
                else excluding_owner
            )
            if any(
                _contains(words, ex) or (owner_vetoes and owner_vetoes[-len(ex) :] == ex)
                for ex in category.exclude
            ):
                rejected = True
                continue
            before = words[:start]
            if any(_contains(before, t) for t in self._transformed):
                rejected = True
                continue
            if category.id in self._business_categories and self._business(
                category, before, owner_words
            ):
                rejected = True
                continue
            if category.id in self._animal_categories and self._animal(before, owner_words):
                rejected = True
                continue
            if cand.ambiguous and not self._qualified(
                category, _last_conjunct(before), owner_words, context, cand.strict
            ):
                rejected = True
                continue
            return category.id
        return "" if rejected else None

    def _business(
        self, category: Category, before: tuple[str, ...], owner_words: tuple[str, ...]
    ) -> bool:
        """Whether the owner is a business, not a person (`branch.phone`,
        `pharmacy["address"]`, `office_phone`): its contact details are not personal
        data, unless a person or a qualifier of the category is named too
        (`store.owner_email`, `delivery_location.address`, `home_office_address`)."""
        named = bool(owner_words) and owner_words[-1] in self._business_words
        # `office_phone`, `gp_surgery_phone`: the business named just before the head.
        if not named and not (before and before[-1] in self._business_words):
            return False
        return not any(
            w in self._person_words or w in category.qualifiers for w in (*before, *owner_words)
        ) and not any(_contains(owner_words, p) for p in self._person if len(p) > 1)

    def _animal(self, before: tuple[str, ...], owner_words: tuple[str, ...]) -> bool:
        """Whether the data is an animal's (`pet.date_of_birth`, `Pet.medical_history`,
        `dog_name`), unless a person is named too (`pet.owner_name`)."""
        words = (*owner_words, *before)
        if not any(w in self._animal_words for w in words):
            return False
        return not any(w in self._person_words for w in words)

    def is_person_record(self, class_name: str, fields: Iterable[str]) -> bool:
        """Whether a class with these fields is a record about a person: fields of at
        least ``person-record-minimum`` of ``person-record-categories``, one of which
        only a person has (``person-record-requires``), and not named as a business."""
        if self._is_business_owner(split_words(class_name)):
            return False
        found = {self.classify(name) for name in fields} & self.person_record_categories
        return len(found) >= self.person_record_minimum and bool(
            found & self.person_record_requires
        )

    def _is_business_owner(self, owner_words: Sequence[str]) -> bool:
        """Whether a class or object named so is a business (its head noun)."""
        return bool(owner_words) and owner_words[-1] in self._business_words

    def is_business_detail(self, text: str, owner: str, kind: str = NAME) -> bool:
        """Whether ``text`` names a contact detail of a business ``owner``
        (`branch.phone`), or one its own words name a business's
        (`store.switchboard_phone`, `s.office_email`): known not to be personal data."""
        key: tuple[str, str, str, frozenset[str]] = (text, owner, kind + ":business", frozenset())
        try:
            return self._cache[key] is not None
        except KeyError:
            pass
        owner_words = split_words(owner)
        named = any(w in self._business_words for w in split_words(text)[:-1])
        found = (
            ((bool(owner_words) and owner_words[-1] in self._business_words) or named)
            and self.classify(text, owner, kind) is None
            and self.classify(text, "person", kind) in self._business_categories
        )
        self._cache[key] = "business" if found else None
        return found

    def _qualified(
        self,
        category: Category,
        before: tuple[str, ...],
        owner_words: tuple[str, ...],
        context: frozenset[str],
        strict: bool = False,
    ) -> bool:
        if category.id in context:
            return True
        persons = category.person_qualifies and not strict
        # A person anywhere in the identifier makes it theirs (`patient_preferred_name`);
        # a qualifier only qualifies the word it stands before (`full_name`, but not
        # `full_stream_name`), transparent words aside (`full_display_name`).
        if persons and any(self._names_person(w, context) for w in before):
            return True
        nearest = [w for w in before if w not in self._transparent]
        if (nearest[-1] if nearest else "") in category.qualifiers or (
            not nearest and any(w in category.qualifiers for w in before)
        ):
            return True
        return bool(owner_words) and (
            any(w in category.qualifiers for w in owner_words)
            or (
                persons
                and (
                    self._names_person(owner_words[-1], context)
                    or any(_contains(owner_words, p) for p in self._person if len(p) > 1)
                )
            )
        )

    # -- labels and descriptions ------------------------------------------------------

    def unsealed(self, name: str) -> Optional[str]:
        """``name`` without the words that say its value is kept encrypted
        (`passport_number` for `passport_number_enc`), or None when it has none."""
        words = split_words(name)
        kept = [w for w in words if w not in self._sealed]
        if not kept or len(kept) == len(words):
            return None
        return "_".join(kept)

    def classify_flag(
        self, name: str, owner: str = "", context: frozenset[str] = frozenset()
    ) -> Optional[str]:
        """The special category a boolean flag reveals about the person
        (`union_member`, `is_hiv_positive`, `has_criminal_record`); ``None`` for flags
        about the data, the account or a step taken (`has_email`, `has_dbs_check`)."""
        words = split_words(name)
        if len(words) > 1 and words[0] in self._flag_prefixes:
            words = words[1:]
        if not words or words[-1] in self._flag_process_words:
            return None
        category = self.classify("_".join(words), owner, NAME, context)
        if category is None or self.categories[category].sensitivity != "special":
            return None
        return category

    def classify_label(
        self, text: str, name: str = "", owner: str = "", description: bool = False
    ) -> Optional[str]:
        """The category a field's label (or, with ``description``, its help text or
        description) names.

        A short label that *is* a category phrase (``"Mobile number"``, ``"Date of
        birth:"``) names it whatever the field is called. Descriptions, and prose in
        general (``"Current position (lat, lon) of the patient"``), count only for a
        field whose own name says nothing definite (``location``, ``contact``,
        ``value``): a ``grant_types`` field whose help text mentions client
        credentials holds grant types. Prose is searched for unambiguous phrases.
        """
        words = split_words(name)
        if any(words[: len(p)] == p and len(words) > len(p) for p in self._negating):
            return None  # `num_orders_as_billing_address`, `is_default_for_shipping`
        vague = self.is_vague(name)
        if description and not vague:
            return None
        heading = without_brackets(text).strip(" :?>*-=.\t\n")
        if heading and len(heading) <= 60:
            found = self.classify(heading, owner, KEY)
            if found is not None:
                return found
        if len(text) > 500 or not vague:
            return None
        return self._in_prose(split_words(text))

    def is_vague(self, name: str) -> bool:
        """Whether an identifier says nothing definite about what it holds: every word
        is generic (``value``, ``contact_info``, ``field_3``), an ambiguous phrase of
        some category (``location``, ``name``) or a person (``customer``)."""
        words = split_words(name)
        end = len(words)
        while end > 1 and (words[end - 1] in self._transparent or words[end - 1].isdigit()):
            end -= 1
        if not words:
            return False
        return all(
            w.isdigit()
            or w in self._vague_words
            or w in self._person_words
            or w in self._ambiguous_words
            for w in words[:end]
        )

    def _in_prose(self, words: tuple[str, ...]) -> Optional[str]:
        for phrase, category in self._prose:
            n = len(phrase)
            for start in range(len(words) - n + 1):
                if words[start : start + n] != phrase:
                    continue
                if any(_contains(words, ex) for ex in category.exclude):
                    break
                before = words[max(0, start - 3) : start]
                if any(_contains(before, t) for t in self._transformed):
                    continue
                return category.id
        return None

    # -- literals -------------------------------------------------------------------

    def classify_literal(self, value: str) -> Optional[str]:
        """Category of a literal value that *is* personal data: a Luhn-valid card
        number or a checksummed IBAN. (Email-shaped literals are usually the
        application's own addresses and are not reported.)"""
        return classify_literal(value)


def without_brackets(text: str) -> str:
    """``text`` without what it says in brackets (``"Phone (optional)"``)."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


_CARD = re.compile(r"^(?:\d[ -]?){12,18}\d$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


_CANDIDATE = re.compile(r"\b(?:\d[ -]?){12,18}\d\b|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
REDACTED = "[redacted]"


def redact_literals(text: str) -> str:
    """``text`` (a message that quotes code) with every value that is personal data by
    itself (what :func:`classify_literal` recognises) replaced by ``[redacted]``, so
    reports, baselines and the cache never repeat it."""
    if not any(ch.isdigit() for ch in text):
        return text
    return _CANDIDATE.sub(lambda m: REDACTED if classify_literal(m.group()) else m.group(), text)


@lru_cache(maxsize=4096)
def classify_literal(value: str) -> Optional[str]:
    """``payment-card`` for Luhn-valid card numbers, ``bank-account`` for valid IBANs."""
    text = value.strip()
    if 13 <= len(text) <= 23 and _CARD.match(text):
        digits = text.replace(" ", "").replace("-", "")
        if len(set(digits)) > 1 and _luhn(digits):
            return "payment-card"
        return None
    compact = text.replace(" ", "")
    if 15 <= len(compact) <= 34 and _IBAN.match(compact) and _iban_ok(compact):
        return "bank-account"
    return None


# A trailing time window (`partners_last_3m`, `weight_past_7_days`, `hr_24h`): the value
# is still what the words before it name.
_WINDOW_UNITS = frozenset(
    [
        "s",
        "sec",
        "secs",
        "m",
        "min",
        "mins",
        "h",
        "hr",
        "hrs",
        "d",
        "day",
        "w",
        "wk",
        "week",
        "mo",
        "mon",
        "month",
        "y",
        "yr",
        "year",
    ]
)
_WINDOW_WORDS = frozenset({"last", "past", "previous", "prev", "rolling"})


def without_window(words: tuple[str, ...]) -> tuple[str, ...]:
    if len(words) > 2 and words[-1] in _WINDOW_UNITS and words[-2].isdigit():
        words = words[:-2]
        if len(words) > 1 and words[-1] in _WINDOW_WORDS:
            words = words[:-1]
    return words
