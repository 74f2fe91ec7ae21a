"""Background jobs of accountable review: thin adapters that open the job's own store
connection (SQLite connections belong to one thread) and call core.workflow with the officer
signed in. Nothing here decides a rule: the workflow does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rekog_desktop.core import workflow
from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.verify import TrailStatus, verify_trail
from rekog_desktop.core.cases.cases import Case, list_cases
from rekog_desktop.core.cases.decisions import Decision, VerificationRecord
from rekog_desktop.core.cases.purge import PurgeReceipt
from rekog_desktop.core.cases.searches import BlindPair, get_search
from rekog_desktop.core.cases.users import (
    Officer,
    User,
    add_user,
    list_users,
    os_account_officer,
    sign_in,
)
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.case_notes import ExportResult

# -- cases and officers ---------------------------------------------------------------------


@dataclass(frozen=True)
class CasesSnapshot:
    cases: list[Case]
    users: list[User]


def load_cases(store_path: str | Path) -> CasesSnapshot:
    with GalleryStore(store_path) as store:
        return CasesSnapshot(list_cases(store), list_users(store))


@dataclass(frozen=True)
class CaseFields:
    number: str
    title: str
    purpose: str
    legal_basis: str
    officer: str


def new_case(store_path: str | Path, fields: CaseFields, *, by: Officer) -> Case:
    with GalleryStore(store_path) as store:
        return workflow.open_new_case(
            store,
            by,
            number=fields.number,
            title=fields.title,
            purpose=fields.purpose,
            legal_basis=fields.legal_basis,
            officer=fields.officer,
        )


def choose_case(store_path: str | Path, number: str, *, by: Officer) -> Case:
    """The case if it is open and this officer may search in it (raises otherwise)."""
    with GalleryStore(store_path) as store:
        return workflow.choose_case(store, by, number)


def os_account(store_path: str | Path) -> Officer | None:
    """The OS account signed in without a prompt, or None when a password is needed."""
    with GalleryStore(store_path) as store:
        return os_account_officer(store)


def sign_in_with(store_path: str | Path, name: str, password: str | None) -> Officer:
    with GalleryStore(store_path) as store:
        return sign_in(store, name or None, lambda _prompt: password or None)


def new_user(
    store_path: str | Path, name: str, role: str, password: str | None, *, by: Officer
) -> User:
    with GalleryStore(store_path) as store:
        return add_user(store, by, name, role, password or None)


# -- recorded searches ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRecorded:
    """A face search written into its case: its id, the decisions already taken on it, and the
    ranks whose gallery face was rejected for this probe in an earlier search of the case."""

    face_index: int
    search_id: int
    decisions: dict[int, Decision]
    rejected_ranks: frozenset[int]

    @classmethod
    def read(cls, store: GalleryStore, face_index: int, search_id: int) -> SearchRecorded:
        """What the list needs of a search just written (decisions, earlier rejections)."""
        record = get_search(store, search_id)
        rejected = frozenset(c.rank for c in record.candidates if c.previously_rejected)
        return cls(face_index, search_id, record.decisions, rejected)


def view(store_path: str | Path, search_id: int, rank: int, *, by: Officer) -> None:
    with GalleryStore(store_path) as store:
        workflow.view_candidate(store, by, search_id, rank)


def decide(
    store_path: str | Path, search_id: int, rank: int, verdict: str, reason: str, *, by: Officer
) -> Decision:
    with GalleryStore(store_path) as store:
        return workflow.decide(store, by, search_id, rank, verdict, reason)


# -- audit and export -----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSnapshot:
    events: list[trail.AuditEvent]
    event_types: list[str]
    case_numbers: list[str]
    chain: TrailStatus


def load_audit(
    store_path: str | Path, *, case_number: str | None, event_type: str | None
) -> AuditSnapshot:
    """The filtered trail (newest first) and the status of the whole trail."""
    with GalleryStore(store_path) as store:
        events = trail.list_events(store, case_number=case_number, event_type=event_type)
        events.reverse()
        numbers = [c.number for c in list_cases(store)]
        return AuditSnapshot(events, trail.event_types(store), numbers, verify_trail(store))


def export_pdf(store_path: str | Path, case_number: str, path: str, *, by: Officer) -> ExportResult:
    with GalleryStore(store_path) as store:
        return workflow.export_case(store, by, case_number, path)


# -- notes, closing, peer verification ------------------------------------------------------


def note(store_path: str | Path, case_number: str, text: str, *, by: Officer) -> None:
    with GalleryStore(store_path) as store:
        workflow.add_note(store, by, case_number, text)


def close(store_path: str | Path, case_number: str, *, by: Officer) -> Case:
    with GalleryStore(store_path) as store:
        return workflow.close_case(store, by, case_number)


def purge(store_path: str | Path, case_number: str, reason: str, *, by: Officer) -> PurgeReceipt:
    with GalleryStore(store_path) as store:
        return workflow.purge_case(store, by, case_number, reason)


def pending_pairs(store_path: str | Path, case_number: str, *, by: Officer) -> list[BlindPair]:
    """Accepted pairs of the case this officer may verify (never their own)."""
    with GalleryStore(store_path) as store:
        return workflow.pairs_to_verify(store, by, case_number)


def verify(
    store_path: str | Path, decision_id: int, verdict: str, reason: str, *, by: Officer
) -> VerificationRecord:
    with GalleryStore(store_path) as store:
        return workflow.verify(store, by, decision_id, verdict, reason)
