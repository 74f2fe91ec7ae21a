"""Background jobs of accountable review: cases, reviewers, recorded searches, views,
decisions, the audit trail and the PDF export. Each opens its own store connection."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rekog_desktop.core.audit import trail
from rekog_desktop.core.cases.cases import (
    Case,
    add_note,
    close_case,
    create_case,
    list_cases,
    open_case,
)
from rekog_desktop.core.cases.decisions import (
    Decision,
    VerificationRecord,
    decisions_for_search,
    record_decision,
    verify_decision,
)
from rekog_desktop.core.cases.searches import (
    BlindPair,
    get_search,
    pending_verifications,
    record_search,
    record_view,
)
from rekog_desktop.core.cases.users import (
    User,
    authenticate,
    create_user,
    list_users,
    resolve_reviewer,
)
from rekog_desktop.core.common.types import RGBImage
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.case_notes import ExportResult, export_case_pdf
from rekog_desktop.core.scoring.search import ProbeSearch

# -- cases and reviewers --------------------------------------------------------------------


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


def new_case(store_path: str | Path, fields: CaseFields, *, actor: str) -> Case:
    with GalleryStore(store_path) as store:
        return create_case(
            store,
            number=fields.number,
            title=fields.title,
            purpose=fields.purpose,
            legal_basis=fields.legal_basis,
            officer=fields.officer,
            actor=actor,
        )


def check_case(store_path: str | Path, number: str) -> Case:
    """The case if it is still open (raises CaseError otherwise)."""
    with GalleryStore(store_path) as store:
        return open_case(store, number)


def reviewer(store_path: str | Path, name: str | None) -> User:
    """The named user, or the OS user (registered as an analyst on first use)."""
    with GalleryStore(store_path) as store:
        return resolve_reviewer(store, name or None)


def sign_in(store_path: str | Path, name: str, password: str | None) -> User:
    with GalleryStore(store_path) as store:
        return authenticate(store, name, password)


def add_user(
    store_path: str | Path, name: str, role: str, password: str | None, *, actor: str
) -> User:
    with GalleryStore(store_path) as store:
        return create_user(store, name, role, password=password or None, actor=actor)


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


def record_face(
    store: GalleryStore,
    *,
    case_number: str,
    probe: ProbeSearch,
    face_index: int,
    top_k: int,
    tolerance: float,
    actor: str,
    pixels: RGBImage | None,
) -> SearchRecorded:
    case = open_case(store, case_number)
    search_id = record_search(
        store,
        case=case,
        probe=probe,
        face_index=face_index,
        top_k=top_k,
        tolerance=tolerance,
        actor=actor,
        probe_pixels=pixels,
    )
    return SearchRecorded.read(store, face_index, search_id)


def record_face_job(
    store_path: str | Path,
    *,
    case_number: str,
    probe: ProbeSearch,
    face_index: int,
    top_k: int,
    tolerance: float,
    actor: str,
    pixels: RGBImage | None,
) -> SearchRecorded:
    with GalleryStore(store_path) as store:
        return record_face(
            store,
            case_number=case_number,
            probe=probe,
            face_index=face_index,
            top_k=top_k,
            tolerance=tolerance,
            actor=actor,
            pixels=pixels,
        )


def view(store_path: str | Path, search_id: int, rank: int, actor: str) -> None:
    with GalleryStore(store_path) as store:
        record_view(store, search_id=search_id, rank=rank, actor=actor)


def decide(
    store_path: str | Path, search_id: int, rank: int, verdict: str, reason: str, actor: str
) -> Decision:
    with GalleryStore(store_path) as store:
        record_decision(
            store, search_id=search_id, rank=rank, verdict=verdict, reason=reason, reviewer=actor
        )
        return decisions_for_search(store, search_id)[rank]


# -- audit and export -----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSnapshot:
    events: list[trail.AuditEvent]
    event_types: list[str]
    case_numbers: list[str]
    chain: trail.ChainStatus


def load_audit(
    store_path: str | Path, *, case_number: str | None, event_type: str | None
) -> AuditSnapshot:
    """The filtered trail (newest first) and the status of the whole chain."""
    with GalleryStore(store_path) as store:
        events = trail.list_events(store, case_number=case_number, event_type=event_type)
        events.reverse()
        numbers = [c.number for c in list_cases(store)]
        return AuditSnapshot(events, trail.event_types(store), numbers, trail.verify_chain(store))


def export_pdf(store_path: str | Path, case_number: str, path: str, *, actor: str) -> ExportResult:
    with GalleryStore(store_path) as store:
        return export_case_pdf(store, case_number, path, actor=actor)


# -- notes, closing, peer verification ------------------------------------------------------


def note(store_path: str | Path, case_number: str, text: str, *, author: str) -> None:
    with GalleryStore(store_path) as store:
        add_note(store, case_number, text, author=author)


def close(store_path: str | Path, case_number: str, *, actor: str) -> Case:
    with GalleryStore(store_path) as store:
        return close_case(store, case_number, actor=actor)


def pending_pairs(store_path: str | Path, case_number: str, *, reviewer: str) -> list[BlindPair]:
    """Accepted pairs of the case this reviewer may verify (never their own)."""
    with GalleryStore(store_path) as store:
        return pending_verifications(store, case_number, reviewer=reviewer)


def verify(
    store_path: str | Path, decision_id: int, verdict: str, reason: str, *, reviewer: str
) -> VerificationRecord:
    with GalleryStore(store_path) as store:
        return verify_decision(
            store, decision_id=decision_id, verdict=verdict, reason=reason, reviewer=reviewer
        )
