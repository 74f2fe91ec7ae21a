"""Case purge: a closed case's records removed once the store's retention period has passed.

A case keeps what the officer was shown (candidate snapshots with their face crops, the probe
face crop) after the gallery erases a subject or photo, because the case must be able to show
what was decided on and why. Once the case is closed and kept for the retention period the
store policy sets, a supervisor purges it: its searches (probe paths, hashes, probe face
crops), candidate snapshots (gallery face crops, subjects, distances), decisions, verifications
and notes are deleted with secure_delete on and the WAL truncated, so the bytes are gone from
the files, not only the rows. The case row stays (number, title, dates, `purged_utc`) so the
number is never reused and the trail's events still name a case that exists.

The receipt (a `case_purged` event, in the same transaction) lists the ids and counts of the
rows removed, the probes' SHA-256 and one SHA-256 over everything removed (so a copy held
elsewhere can be shown to be what was purged), by whom and why; never the data itself.
`audit.verify` accepts a recorded row as gone only when such a signed receipt names it.

What the purge does not remove: the trail's own events about the case (their text, e.g. a note
or a decision's reason, is part of the hash chain; removing it would break the chain).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import CasePurged
from rekog_desktop.core.cases.cases import Case, CaseError, get_case
from rekog_desktop.core.common.clock import utc_now
from rekog_desktop.core.gallery.store import GalleryStore


class PurgeRefused(CaseError):
    """The case cannot be purged (yet): open, already purged, no retention period, too soon."""


@dataclass(frozen=True)
class PurgeReceipt:
    """What a purge removed: counts and ids, never the content."""

    case_number: str
    reason: str
    counts: dict[str, int]
    purged_sha256: str
    event_id: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case_number,
            "reason": self.reason,
            "counts": dict(self.counts),
            "purged_sha256": self.purged_sha256,
            "event_id": self.event_id,
        }


def _parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def purge_allowed_from(case: Case, retention_days: int | None) -> datetime:
    """When `case` may be purged; raises PurgeRefused with the reason when it never may now."""
    if case.is_purged:
        raise PurgeRefused(f"case {case.number} was already purged on {case.purged_utc}")
    if case.is_open or case.closed_utc is None:
        raise PurgeRefused(
            f"case {case.number} is open: close it first (`rekog case close {case.number}`); "
            "its records are then kept for the store's retention period"
        )
    if retention_days is None:
        raise PurgeRefused(
            "this store has no retention period: a supervisor sets one first "
            "(`rekog store policy --retention-days N`)"
        )
    return _parse_utc(case.closed_utc) + timedelta(days=retention_days)


def _ids(store: GalleryStore, sql: str, params: list[Any]) -> list[int]:
    return [int(r[0]) for r in store.db.execute(sql, params)]


def _count(store: GalleryStore, sql: str, params: list[Any]) -> int:
    row = store.db.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def _digest_rows(digest: Any, store: GalleryStore, sql: str, params: list[Any]) -> None:
    """Feed every column of every row into `digest`, length-prefixed (no two row sets alike)."""
    for row in store.db.execute(sql, params):
        for value in row:
            raw = (
                bytes(value)
                if isinstance(value, bytes | memoryview)
                else repr(value).encode("utf-8")
            )
            digest.update(len(raw).to_bytes(8, "big"))
            digest.update(raw)


def purge_case(
    store: GalleryStore,
    number: str,
    *,
    actor: str,
    reason: str,
    retention_days: int | None,
    now: datetime | None = None,
) -> PurgeReceipt:
    """Remove a closed case's searches, candidate snapshots, probe pictures, decisions,
    verifications and notes once `retention_days` have passed since it was closed, with the
    receipt in the same transaction; then clear the freed pages. Raises PurgeRefused with the
    reason."""
    if not reason.strip():
        raise PurgeRefused("purging a case needs a reason (it goes into the audit receipt)")
    moment = now or datetime.now(UTC)
    with store.transaction():
        case = get_case(store, number)
        allowed = purge_allowed_from(case, retention_days)
        if moment < allowed:
            raise PurgeRefused(
                f"case {case.number} was closed on {case.closed_utc}; the store keeps closed "
                f"cases for {retention_days} days, so it can be purged from "
                f"{allowed.strftime('%Y-%m-%d %H:%M')} UTC"
            )
        of_case = "SELECT id FROM searches WHERE case_id = ?"
        search_ids = _ids(store, of_case + " ORDER BY id", [case.id])
        decision_ids = _ids(
            store, f"SELECT id FROM decisions WHERE search_id IN ({of_case}) ORDER BY id", [case.id]
        )
        of_decisions = f"SELECT id FROM decisions WHERE search_id IN ({of_case})"
        verification_ids = _ids(
            store,
            f"SELECT id FROM verifications WHERE decision_id IN ({of_decisions}) ORDER BY id",
            [case.id],
        )
        note_ids = _ids(store, "SELECT id FROM case_notes WHERE case_id = ? ORDER BY id", [case.id])
        candidates = _count(
            store,
            f"SELECT count(*) FROM search_candidates WHERE search_id IN ({of_case})",
            [case.id],
        )
        crops = _count(
            store,
            f"SELECT count(*) FROM search_candidates WHERE search_id IN ({of_case}) "
            "AND thumbnail IS NOT NULL",
            [case.id],
        ) + _count(
            store,
            "SELECT count(*) FROM searches WHERE case_id = ? AND probe_thumbnail IS NOT NULL",
            [case.id],
        )
        probes = sorted(
            {
                str(r[0])
                for r in store.db.execute(
                    "SELECT probe_sha256 FROM searches WHERE case_id = ?", [case.id]
                )
            }
        )
        digest = hashlib.sha256()
        for sql in (
            "SELECT * FROM searches WHERE case_id = ? ORDER BY id",
            f"SELECT * FROM search_candidates WHERE search_id IN ({of_case}) "
            "ORDER BY search_id, rank",
            f"SELECT * FROM decisions WHERE search_id IN ({of_case}) ORDER BY id",
            f"SELECT * FROM verifications WHERE decision_id IN ({of_decisions}) ORDER BY id",
            "SELECT * FROM case_notes WHERE case_id = ? ORDER BY id",
        ):
            _digest_rows(digest, store, sql, [case.id])
        purged_utc = utc_now()
        # Marked first: the delete triggers of decisions and notes let rows go only then.
        store.db.execute("UPDATE cases SET purged_utc = ? WHERE id = ?", [purged_utc, case.id])
        store.db.execute(
            f"DELETE FROM verifications WHERE decision_id IN ({of_decisions})", [case.id]
        )
        store.db.execute(f"DELETE FROM decisions WHERE search_id IN ({of_case})", [case.id])
        store.db.execute(f"DELETE FROM search_candidates WHERE search_id IN ({of_case})", [case.id])
        store.db.execute("DELETE FROM searches WHERE case_id = ?", [case.id])
        store.db.execute("DELETE FROM case_notes WHERE case_id = ?", [case.id])
        # The whole probe pictures kept for the notes go too, unless another case searched
        # the same picture (they are kept once per SHA-256).
        pictures = store.db.execute(
            f"DELETE FROM probe_images WHERE sha256 IN ({', '.join('?' * len(probes))}) "
            "AND sha256 NOT IN (SELECT probe_sha256 FROM searches)",
            probes,
        ).rowcount
        # The case material's faces (embeddings, crops) clustered in the case, and its runs
        # and edits (issue 17): counted only when the case had any.
        cluster_faces = _purge_clusters(store, case.id)
        counts = {
            "searches": len(search_ids),
            "candidates": candidates,
            "face_crops": crops,
            "decisions": len(decision_ids),
            "verifications": len(verification_ids),
            "notes": len(note_ids),
            "probe_pictures": max(pictures, 0),
        }
        if cluster_faces:
            counts["cluster_faces"] = cluster_faces
        event = trail.append_event(
            store,
            CasePurged(
                reason=reason.strip(),
                closed_utc=case.closed_utc,
                retention_days=retention_days,
                counts=counts,
                search_ids=search_ids,
                decision_ids=decision_ids,
                verification_ids=verification_ids,
                note_ids=note_ids,
                probe_sha256=probes,
                purged_sha256=digest.hexdigest(),
            ),
            actor=actor,
            case_number=case.number,
        )
    store.clear_freed_pages()
    return PurgeReceipt(case.number, reason.strip(), counts, digest.hexdigest(), event.id)


def _purge_clusters(store: GalleryStore, case_id: int) -> int:
    """Delete a case's clustering rows; returns how many faces of case material went."""
    of_runs = "SELECT id FROM cluster_runs WHERE case_id = ?"
    store.db.execute(f"DELETE FROM cluster_members WHERE run_id IN ({of_runs})", [case_id])
    store.db.execute("DELETE FROM cluster_runs WHERE case_id = ?", [case_id])
    store.db.execute("DELETE FROM cluster_edits WHERE case_id = ?", [case_id])
    faces = store.db.execute("DELETE FROM cluster_faces WHERE case_id = ?", [case_id])
    return max(faces.rowcount, 0)
