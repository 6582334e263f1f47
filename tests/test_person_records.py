"""Classes whose fields say they are records about a person: their ambiguous fields
are read with a person as their owner."""

from __future__ import annotations

from tests.conftest import check_code

MODELS = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254))
    orientation: Mapped[str] = mapped_column(String(24))
    position: Mapped[str] = mapped_column(String(24))
    notes: Mapped[str] = mapped_column(String(240))


class Display(Base):
    __tablename__ = "displays"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    orientation: Mapped[str] = mapped_column(String(24))
"""


def _flagged(code: str) -> set[tuple[str, str]]:
    """(the flagged line's text, the category)."""
    result = check_code(code, ("PV301",))
    lines = code.splitlines()
    return {
        (lines[f.span.start_line - 1].split(":")[0].strip(), f.categories[0])
        for f in result.findings
    }


def test_a_class_with_a_name_and_an_email_is_a_persons_record() -> None:
    flagged = _flagged(MODELS)
    # `orientation` of a member is theirs; the member's `position` and `notes` say
    # nothing definite, and a display with an owner's e-mail is not a person.
    assert flagged == {
        ("first_name", "person-name"),
        ("email", "email"),
        ("orientation", "sexual-orientation"),
    }
    result = check_code(MODELS, ("PV301",))
    assert len(result.findings) == 4  # the display's e-mail too


def test_one_personal_field_does_not_make_a_persons_record() -> None:
    code = MODELS.replace("    first_name: Mapped[str] = mapped_column(String(60))\n", "")
    assert ("orientation", "sexual-orientation") not in _flagged(code)


def test_a_business_is_never_a_persons_record() -> None:
    code = """
from beanie import Document


class Restaurant(Document):
    owner_first_name: str
    phone: str
    street: str
    name: str
"""
    assert ("name", "person-name") not in _flagged(code)


def test_contact_details_alone_do_not_make_a_persons_record() -> None:
    code = MODELS.replace("first_name: Mapped[str]", "phone: Mapped[str]")
    assert ("orientation", "sexual-orientation") not in _flagged(code)
