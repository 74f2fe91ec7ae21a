"""Every kind of audit event, in one place: what the trail can say happened, and what each
event of a kind holds.

`EventKind` values are the strings stored in `audit.event_type` (an enum member compares equal
to the stored text). Each kind has one frozen dataclass below whose fields are the event's data:
a call site cannot misspell a key or forget one, and a reader of this file sees the whole
vocabulary of the trail. `Event.data()` gives the JSON object that is hashed and stored; the
stored form is the contract (`rekog audit verify`, the PDF and the audit page read it), so a
field is renamed here only with a migration of the readers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar


class EventKind(StrEnum):
    # gallery
    IMPORT = "import"
    SUBJECT_DELETED = "subject_deleted"
    PHOTO_DELETED = "photo_deleted"
    FACE_ENROLLED = "face_enrolled"
    FACE_UNASSIGNED = "face_unassigned"
    # cases
    CASE_OPENED = "case_opened"
    CASE_CLOSED = "case_closed"
    CASE_PURGED = "case_purged"
    NOTE_ADDED = "note_added"
    # searches and review
    SEARCH = "search"
    PROBE_WITHOUT_FACE = "probe_without_face"
    VIDEO_SCAN = "video_scan"
    # clustering the unknown faces of case material (issue 17)
    CLUSTER_RUN = "cluster_run"
    CLUSTER_EDIT = "cluster_edit"
    CLUSTER_EDIT_UNDONE = "cluster_edit_undone"
    CANDIDATE_VIEWED = "candidate_viewed"
    DECISION = "decision"
    VERIFICATION = "verification"
    EXPORT = "export"
    # officers and policy
    USER_CREATED = "user_created"
    USER_ROLE_CHANGED = "user_role_changed"
    USER_PASSWORD_SET = "user_password_set"
    SIGN_IN_FAILED = "sign_in_failed"
    POLICY_CHANGED = "policy_changed"


#: Field metadata: the key a field is stored under when its name cannot be it ("from", "to").
KEY = "key"
#: Field metadata: leave the key out when the value is empty (older events never had it).
OMIT_EMPTY = "omit_empty"


@dataclass(frozen=True, kw_only=True)
class Event:
    """One thing that happened, as the trail stores it. Subclasses name their `kind`."""

    kind: ClassVar[EventKind]

    def data(self) -> dict[str, Any]:
        """The event's data object, as hashed and stored."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get(OMIT_EMPTY) and not value:
                continue
            out[f.metadata.get(KEY, f.name)] = value
        return out


#: Every event class by its kind: one each (checked by tests/core/test_events.py).
EVENT_CLASSES: dict[EventKind, type[Event]] = {}

E = TypeVar("E", bound=type[Event])


def _kind(kind: EventKind) -> Callable[[E], E]:
    def register(cls: E) -> E:
        if kind in EVENT_CLASSES:
            raise TypeError(f"two event classes for {kind}")
        cls.kind = kind
        EVENT_CLASSES[kind] = cls
        return cls

    return register


# -- gallery ---------------------------------------------------------------------------------


@_kind(EventKind.IMPORT)
@dataclass(frozen=True, kw_only=True)
class Imported(Event):
    """One committed batch of an import, naming each stored photo's SHA-256 (written in the
    batch's transaction, so a killed import leaves no photo the trail does not name)."""

    source: str
    batch: int
    final: bool
    cancelled: bool
    imported: int
    faces: int
    duplicates: int
    no_face: int
    several_faces: int
    failed: list[dict[str, str]]
    files: list[dict[str, str]]
    notes: list[dict[str, str]]
    #: Photos filed under a name whose dominant face was enrolled (core/faces/dominant.py):
    #: the rule, its margins and the face chosen; older events have no such key.
    dominant: list[dict[str, Any]] = field(default_factory=list, metadata={OMIT_EMPTY: True})


@dataclass(frozen=True, kw_only=True)
class _Erasure(Event):
    """What every erasure receipt says of the case records that keep what officers saw."""

    reason: str
    case_snapshots_kept: int
    cases_keeping_snapshots: int
    case_records: str = (
        "past case records keep what the officer was shown (candidate snapshots with their "
        "face crops) until the case is purged after its retention period (`rekog case purge`)"
    )


@_kind(EventKind.SUBJECT_DELETED)
@dataclass(frozen=True, kw_only=True)
class SubjectDeleted(_Erasure):
    subject: str
    photo_sha256: list[str]
    faces: int


@_kind(EventKind.PHOTO_DELETED)
@dataclass(frozen=True, kw_only=True)
class PhotoDeleted(_Erasure):
    photo_id: int
    path: str
    sha256: str
    faces: int


@_kind(EventKind.FACE_ENROLLED)
@dataclass(frozen=True, kw_only=True)
class FaceEnrolled(Event):
    face_id: int
    subject: str | None
    photo_sha256: str


@_kind(EventKind.FACE_UNASSIGNED)
@dataclass(frozen=True, kw_only=True)
class FaceUnassigned(Event):
    face_id: int
    subject: str | None
    photo_sha256: str


# -- cases -----------------------------------------------------------------------------------


@_kind(EventKind.CASE_OPENED)
@dataclass(frozen=True, kw_only=True)
class CaseOpened(Event):
    number: str
    title: str
    purpose: str
    legal_basis: str
    officer: str


@_kind(EventKind.CASE_CLOSED)
@dataclass(frozen=True, kw_only=True)
class CaseClosed(Event):
    pass


@_kind(EventKind.CASE_PURGED)
@dataclass(frozen=True, kw_only=True)
class CasePurged(Event):
    """The signed receipt of a purge: what went (ids, counts, a digest of the rows), never the
    rows themselves."""

    reason: str
    closed_utc: str | None
    retention_days: int | None
    counts: dict[str, int]
    search_ids: list[int]
    decision_ids: list[int]
    verification_ids: list[int]
    note_ids: list[int]
    probe_sha256: list[str]
    purged_sha256: str
    kept: str = (
        "the case's number, title, purpose, legal basis and dates, and the audit trail's events"
    )


@_kind(EventKind.NOTE_ADDED)
@dataclass(frozen=True, kw_only=True)
class NoteAdded(Event):
    note_id: int
    text: str


# -- searches and review ---------------------------------------------------------------------


@_kind(EventKind.SEARCH)
@dataclass(frozen=True, kw_only=True)
class Searched(Event):
    """One probe face searched, with everything needed to judge the result later: settings,
    engine, gallery size, estimates and the candidate list as shown."""

    search_id: int
    kind_of_probe: str = field(metadata={KEY: "kind"})
    probe_path: str
    probe_sha256: str
    face_index: int
    face_box: list[int]
    quality_warnings: list[str]
    top_k: int
    tolerance: float
    preset: str
    never_enrolled_match: float | None
    strict_threshold: float | None
    fmr_floor: float | None
    estimates_unreliable: list[str]
    engine: str
    gallery_faces: int
    within_tolerance: int
    no_match: bool
    candidates: list[dict[str, Any]]
    context: dict[str, Any] = field(default_factory=dict, metadata={OMIT_EMPTY: True})


@_kind(EventKind.PROBE_WITHOUT_FACE)
@dataclass(frozen=True, kw_only=True)
class ProbeWithoutFace(Event):
    """A probe in which no face was found: still a search the case discloses."""

    kind_of_probe: str = field(metadata={KEY: "kind"})
    probe_path: str
    probe_sha256: str
    engine: str


@_kind(EventKind.VIDEO_SCAN)
@dataclass(frozen=True, kw_only=True)
class VideoScanned(Event):
    probe_path: str
    probe_sha256: str
    duration_s: float
    every_s: float
    sampled_frames: int
    tracks: int
    search_ids: list[int]
    message: str
    reranked: bool = field(default=False, metadata={OMIT_EMPTY: True})


@dataclass(frozen=True, kw_only=True)
class _ClusterSummary(Event):
    """What every clustering event says of the run it left (core/clusters)."""

    run_id: int
    cut: float
    clusters: int
    clustered_faces: int
    unclustered: int


@_kind(EventKind.CLUSTER_RUN)
@dataclass(frozen=True, kw_only=True)
class Clustered(_ClusterSummary):
    """Case material measured and the case's faces clustered again."""

    new_faces: int
    media: list[dict[str, Any]]
    failed: list[dict[str, str]]


@_kind(EventKind.CLUSTER_EDIT)
@dataclass(frozen=True, kw_only=True)
class ClusterEdited(_ClusterSummary):
    """An analyst's merge, split or not-same rule, kept through every later clustering."""

    edit_id: int
    kind_of_edit: str = field(metadata={KEY: "kind"})
    side_a: list[int]
    side_b: list[int]
    named: dict[str, Any]
    reason: str


@_kind(EventKind.CLUSTER_EDIT_UNDONE)
@dataclass(frozen=True, kw_only=True)
class ClusterEditUndone(_ClusterSummary):
    edit_id: int
    kind_of_edit: str = field(metadata={KEY: "kind"})


@_kind(EventKind.CANDIDATE_VIEWED)
@dataclass(frozen=True, kw_only=True)
class CandidateViewed(Event):
    search_id: int
    rank: int


@_kind(EventKind.DECISION)
@dataclass(frozen=True, kw_only=True)
class Decided(Event):
    decision_id: int
    search_id: int
    rank: int
    subject: str
    verdict: str
    reason: str


@_kind(EventKind.VERIFICATION)
@dataclass(frozen=True, kw_only=True)
class Verified(Event):
    verification_id: int
    decision_id: int
    verdict: str
    reason: str


@_kind(EventKind.EXPORT)
@dataclass(frozen=True, kw_only=True)
class Exported(Event):
    path: str
    sha256: str
    pages: int
    format: str = "pdf"


# -- officers and policy ---------------------------------------------------------------------


@_kind(EventKind.USER_CREATED)
@dataclass(frozen=True, kw_only=True)
class UserCreated(Event):
    name: str
    role: str
    password: bool
    first_user: bool = field(default=False, metadata={OMIT_EMPTY: True})


@_kind(EventKind.USER_ROLE_CHANGED)
@dataclass(frozen=True, kw_only=True)
class UserRoleChanged(Event):
    name: str
    old_role: str = field(metadata={KEY: "from"})
    new_role: str = field(metadata={KEY: "to"})


@_kind(EventKind.USER_PASSWORD_SET)
@dataclass(frozen=True, kw_only=True)
class UserPasswordSet(Event):
    name: str


@_kind(EventKind.SIGN_IN_FAILED)
@dataclass(frozen=True, kw_only=True)
class SignInFailed(Event):
    name: str
    reason: str


@_kind(EventKind.POLICY_CHANGED)
@dataclass(frozen=True, kw_only=True)
class PolicyChanged(Event):
    old: dict[str, Any] = field(metadata={KEY: "from"})
    new: dict[str, Any] = field(metadata={KEY: "to"})
