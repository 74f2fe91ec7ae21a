"""Cases: no search without an open case with a stated purpose and legal basis; append-only,
audited notes. Searches live in case_searches.py, decisions and verification in decisions.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import CaseClosed, CaseOpened, NoteAdded
from rekog_desktop.core.common.clock import utc_now
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.gallery.store import GalleryStore


class CaseError(RekogError):
    """No such case, case closed, bad case fields, or a refused decision."""


@dataclass(frozen=True)
class Case:
    id: int
    number: str
    title: str
    purpose: str
    legal_basis: str
    officer: str
    status: str
    opened_utc: str
    closed_utc: str | None
    #: Set when the case's records were purged after its retention period (core.cases.purge):
    #: the case keeps its number, title and dates; its searches, decisions and notes are gone.
    purged_utc: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_purged(self) -> bool:
        return self.purged_utc is not None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "id"}


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    author: str
    created_utc: str


_CASE_COLUMNS = (
    "id, number, title, purpose, legal_basis, officer, status, opened_utc, closed_utc, purged_utc"
)


def create_case(
    store: GalleryStore,
    *,
    number: str,
    title: str,
    purpose: str,
    legal_basis: str,
    officer: str,
    actor: str,
) -> Case:
    fields = {
        "number": number.strip(),
        "title": title.strip(),
        "purpose": purpose.strip(),
        "legal_basis": legal_basis.strip(),
        "officer": officer.strip(),
    }
    empty = [name.replace("_", " ") for name, value in fields.items() if not value]
    if empty:
        raise CaseError(f"a case needs: {', '.join(empty)}")
    if _find_case(store, fields["number"]) is not None:
        raise CaseError(f"case {fields['number']} already exists")
    with store.transaction():
        store.db.execute(
            """INSERT INTO cases (number, title, purpose, legal_basis, officer, status, opened_utc)
            VALUES (?, ?, ?, ?, ?, 'open', ?)""",
            [*fields.values(), utc_now()],
        )
        trail.append_event(store, CaseOpened(**fields), actor=actor, case_number=fields["number"])
    return get_case(store, fields["number"])


def _find_case(store: GalleryStore, number: str) -> Case | None:
    row = store.db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE number = ?", [number.strip()]
    ).fetchone()
    return Case(*row) if row else None


def get_case(store: GalleryStore, number: str) -> Case:
    case = _find_case(store, number)
    if case is None:
        raise CaseError(f"no case numbered {number!r}: create it with `rekog case new`")
    return case


def case_by_id(store: GalleryStore, case_id: int) -> Case:
    row = store.db.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", [case_id]).fetchone()
    if row is None:
        raise CaseError(f"no case with id {case_id}")
    return Case(*row)


def list_cases(store: GalleryStore, *, status: str | None = None) -> list[Case]:
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = store.db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases {where} ORDER BY opened_utc DESC", params
    )
    return [Case(*r) for r in rows]


def open_case(store: GalleryStore, number: str) -> Case:
    """The case, refusing a closed one: searches and decisions need an open case."""
    case = get_case(store, number)
    if not case.is_open:
        raise CaseError(f"case {case.number} is closed")
    return case


def close_case(store: GalleryStore, number: str, *, actor: str) -> Case:
    case = open_case(store, number)
    with store.transaction():
        store.db.execute(
            "UPDATE cases SET status = 'closed', closed_utc = ? WHERE id = ?", [utc_now(), case.id]
        )
        trail.append_event(store, CaseClosed(), actor=actor, case_number=case.number)
    return get_case(store, number)


def add_note(store: GalleryStore, number: str, text: str, *, author: str) -> Note:
    case = get_case(store, number)
    if case.is_purged:
        raise CaseError(f"case {case.number} was purged: nothing can be added to it")
    if not text.strip():
        raise CaseError("a note cannot be empty")
    created = utc_now()
    with store.transaction():
        cursor = store.db.execute(
            "INSERT INTO case_notes (case_id, text, author, created_utc) VALUES (?, ?, ?, ?)",
            [case.id, text.strip(), author, created],
        )
        trail.append_event(
            store,
            NoteAdded(note_id=int(cursor.lastrowid or 0), text=text.strip()),
            actor=author,
            case_number=case.number,
        )
    return Note(int(cursor.lastrowid or 0), text.strip(), author, created)


def list_notes(store: GalleryStore, number: str) -> list[Note]:
    case = get_case(store, number)
    rows = store.db.execute(
        "SELECT id, text, author, created_utc FROM case_notes WHERE case_id = ? ORDER BY id",
        [case.id],
    )
    return [Note(*r) for r in rows]


def case_number_of_search(store: GalleryStore, search_id: int) -> str:
    """The number of the case a recorded search belongs to."""
    row = store.db.execute(
        "SELECT c.number FROM searches s JOIN cases c ON c.id = s.case_id WHERE s.id = ?",
        [search_id],
    ).fetchone()
    if row is None:
        raise CaseError(f"no search with id {search_id}")
    return str(row[0])
