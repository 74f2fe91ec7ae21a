"""Decisions on candidates (accept / reject / inconclusive, with a reason) and the blind peer
verification of accepted pairs; both append-only and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import Decided, Verified
from rekog_desktop.core.cases.cases import CaseError, case_number_of_search, open_case
from rekog_desktop.core.common.clock import os_user, utc_now
from rekog_desktop.core.gallery.store import GalleryStore


class Verdict(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    INCONCLUSIVE = "inconclusive"


class Verification(StrEnum):
    CONFIRM = "confirm"
    DISPUTE = "dispute"


@dataclass(frozen=True)
class VerificationRecord:
    id: int
    decision_id: int
    verdict: Verification
    reason: str
    reviewer: str
    created_utc: str


@dataclass(frozen=True)
class Decision:
    id: int
    search_id: int
    rank: int
    verdict: Verdict
    reason: str
    reviewer: str
    created_utc: str
    verifications: tuple[VerificationRecord, ...] = ()

    @property
    def verification_status(self) -> str:
        """'verified', 'disputed', or 'unverified' (accepted pairs only need verifying)."""
        if any(v.verdict is Verification.DISPUTE for v in self.verifications):
            return "disputed"
        if self.verifications:
            return "verified"
        return "unverified"


def record_decision(
    store: GalleryStore,
    *,
    search_id: int,
    rank: int,
    verdict: Verdict | str,
    reason: str,
    reviewer: str,
) -> Decision:
    """A person's call on one candidate. Accepting needs a reason; a new decision on the same
    candidate supersedes the old one, which stays on record."""
    verdict = Verdict(verdict)
    reason = reason.strip()
    if verdict is Verdict.ACCEPT and not reason:
        raise CaseError("accepting a candidate needs a reason")
    number = case_number_of_search(store, search_id)
    case = open_case(store, number)
    cand = store.db.execute(
        "SELECT subject, distance FROM search_candidates WHERE search_id = ? AND rank = ?",
        [search_id, rank],
    ).fetchone()
    if cand is None:
        raise CaseError(f"search {search_id} has no candidate at rank {rank}")
    created = utc_now()
    with store.transaction():
        cursor = store.db.execute(
            """INSERT INTO decisions (search_id, rank, verdict, reason, reviewer, os_user,
            created_utc) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [search_id, rank, verdict.value, reason, reviewer, os_user(), created],
        )
        trail.append_event(
            store,
            Decided(
                decision_id=int(cursor.lastrowid or 0),
                search_id=search_id,
                rank=rank,
                subject=cand[0],
                verdict=verdict.value,
                reason=reason,
            ),
            actor=reviewer,
            case_number=case.number,
        )
    return Decision(int(cursor.lastrowid or 0), search_id, rank, verdict, reason, reviewer, created)


def decisions_for_search(store: GalleryStore, search_id: int) -> dict[int, Decision]:
    """The current (latest) decision per candidate rank, with its verifications."""
    latest: dict[int, Decision] = {}
    rows = store.db.execute(
        """SELECT id, search_id, rank, verdict, reason, reviewer, created_utc FROM decisions
        WHERE search_id = ? ORDER BY id""",
        [search_id],
    ).fetchall()
    for r in rows:
        latest[r[2]] = Decision(
            r[0], r[1], r[2], Verdict(r[3]), r[4], r[5], r[6], _verifications(store, r[0])
        )
    return latest


def _verifications(store: GalleryStore, decision_id: int) -> tuple[VerificationRecord, ...]:
    rows = store.db.execute(
        """SELECT id, decision_id, verdict, reason, reviewer, created_utc FROM verifications
        WHERE decision_id = ? ORDER BY id""",
        [decision_id],
    )
    return tuple(VerificationRecord(r[0], r[1], Verification(r[2]), r[3], r[4], r[5]) for r in rows)


def verify_decision(
    store: GalleryStore,
    *,
    decision_id: int,
    verdict: Verification | str,
    reason: str,
    reviewer: str,
) -> VerificationRecord:
    """A second reviewer's blind confirmation or dispute of an accepted pair."""
    verdict = Verification(verdict)
    row = store.db.execute(
        "SELECT search_id, rank, verdict, reviewer FROM decisions WHERE id = ?", [decision_id]
    ).fetchone()
    if row is None:
        raise CaseError(f"no decision with id {decision_id}")
    if row[2] != Verdict.ACCEPT:
        raise CaseError("only accepted pairs are verified")
    if row[3] == reviewer:
        raise CaseError("a reviewer cannot verify their own decision: ask a colleague")
    if verdict is Verification.DISPUTE and not reason.strip():
        raise CaseError("disputing a decision needs a reason")
    number = case_number_of_search(store, row[0])
    created = utc_now()
    with store.transaction():
        cursor = store.db.execute(
            """INSERT INTO verifications (decision_id, verdict, reason, reviewer, os_user,
            created_utc) VALUES (?, ?, ?, ?, ?, ?)""",
            [decision_id, verdict.value, reason.strip(), reviewer, os_user(), created],
        )
        trail.append_event(
            store,
            Verified(
                verification_id=int(cursor.lastrowid or 0),
                decision_id=decision_id,
                verdict=verdict.value,
                reason=reason.strip(),
            ),
            actor=reviewer,
            case_number=number,
        )
    return VerificationRecord(
        int(cursor.lastrowid or 0), decision_id, verdict, reason.strip(), reviewer, created
    )
