"""Verify the trail: the chain, its counter, the rows it records, and its checkpoints.

The chain (audit.trail.verify_chain) catches an edited or removed event in the middle. What it
cannot see alone is caught here:
- the newest events deleted: the `audit_seq` counter, bumped by every append in the same
  transaction, counts more events than remain; and the latest signed checkpoint (kept outside
  the store) names an event that is gone;
- a chain recomputed after an edit, or an event appended with SQL: its events carry no valid
  signature of the store's key, and its head no longer matches a signed checkpoint;
- a row changed behind its event (a verdict turned from accept to reject, a deleted note or
  candidate, an inserted decision): each event names its row and the content it recorded, and
  every row written since the store was upgraded must match its event.
A row that is gone is accounted for only by a later signed `case_purged` receipt naming it (a
case purged after its retention period); any other missing row is reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rekog_desktop.core.audit.checkpoint import (
    Checkpoint,
    check_checkpoint,
    latest_path,
    load_checkpoint,
)
from rekog_desktop.core.audit.keys import public_key_hex, signature_ok
from rekog_desktop.core.audit.trail import verify_chain
from rekog_desktop.core.common.database import HasDatabase


@dataclass(frozen=True)
class TrailStatus:
    ok: bool
    events: int
    head_hash: str
    first_bad_id: int | None = None
    problem: str = ""
    checkpoints: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
            "checkpoints": list(self.checkpoints),
        }


def verify_trail(store: HasDatabase, checkpoint: Checkpoint | None = None) -> TrailStatus:
    """Everything `rekog audit verify` checks, first problem first. `checkpoint`: one the
    user holds (e.g. from an export); the store's latest saved checkpoint is checked too."""
    chain = verify_chain(store)
    if not chain.ok:
        return TrailStatus(False, chain.events, chain.head_hash, chain.first_bad_id, chain.problem)
    seq = store.db.execute("SELECT value FROM meta WHERE key = 'audit_seq'").fetchone()
    if seq is not None and int(seq[0]) != chain.events:
        missing = int(seq[0]) - chain.events
        problem = f"{int(seq[0])} events were appended but {chain.events} remain" + (
            ": the newest were deleted" if missing > 0 else ": the counter was altered"
        )
        return TrailStatus(False, chain.events, chain.head_hash, chain.events + 1, problem)
    seen: list[str] = []
    public = public_key_hex(store) or (checkpoint.public_key if checkpoint else None)
    if public is None:
        seen.append("event signatures not checked: this store's key is not on this machine")
    else:
        bad_sig = _unsigned_event(store, public)
        if bad_sig is not None:
            return TrailStatus(
                False,
                chain.events,
                chain.head_hash,
                bad_sig,
                f"event {bad_sig} is not signed with this store's key: it was written "
                "without the app (appended or recomputed with SQL)",
            )
    bad = _rows_problem(store)
    if bad is not None:
        return TrailStatus(False, chain.events, chain.head_hash, bad[0], bad[1])
    held: list[tuple[str, Checkpoint]] = []
    if checkpoint is not None:
        held.append(("given", checkpoint))
    latest = latest_path(store)
    if latest.exists():
        held.append(("latest saved", load_checkpoint(latest)))
    for label, point in held:
        first_bad, problem = check_checkpoint(store, point)
        if problem:
            return TrailStatus(
                False, chain.events, chain.head_hash, first_bad, f"{label} checkpoint: {problem}"
            )
        seen.append(f"{label} checkpoint reached: {point.anchor}")
    return TrailStatus(True, chain.events, chain.head_hash, checkpoints=seen)


def _unsigned_event(store: HasDatabase, public_hex: str) -> int | None:
    """The first event since signing began whose signature does not verify."""
    after = _covered_after(store, "audit")
    rows = store.db.execute(
        "SELECT id, hash, signature FROM audit WHERE id > ? ORDER BY id", [after]
    )
    for event_id, digest, signature in rows:
        if not signature_ok(public_hex, bytes.fromhex(digest), signature):
            return int(event_id)
    return None


def _covered_after(store: HasDatabase, table: str) -> int:
    """Rows of `table` up to this id predate row coverage (a store upgraded from before it)."""
    row = store.db.execute(
        "SELECT value FROM meta WHERE key = ?", [f"covered_after_{table}"]
    ).fetchone()
    return int(row[0]) if row else 0


def _events(store: HasDatabase, kind: str, key: str) -> dict[int, tuple[int, dict[str, Any]]]:
    """Events of `kind` by the row id they name in data[key] -> (event id, data)."""
    found: dict[int, tuple[int, dict[str, Any]]] = {}
    rows = store.db.execute("SELECT id, data FROM audit WHERE event_type = ? ORDER BY id", [kind])
    for event_id, raw in rows:
        data = json.loads(raw)
        if key in data:
            found[int(data[key])] = (int(event_id), data)
    return found


#: Which list of a `case_purged` receipt names the removed rows of each table.
_PURGE_LISTS = {
    "decisions": "decision_ids",
    "verifications": "verification_ids",
    "case_notes": "note_ids",
    "searches": "search_ids",
}


def _purged(store: HasDatabase) -> dict[str, dict[int, int]]:
    """Rows removed by case purges: table -> {row id: id of the receipt event}. The newest
    receipt wins (a row id SQLite reused after a purge may be purged again later)."""
    found: dict[str, dict[int, int]] = {table: {} for table in _PURGE_LISTS}
    rows = store.db.execute(
        "SELECT id, data FROM audit WHERE event_type = 'case_purged' ORDER BY id"
    )
    for event_id, raw in rows:
        data = json.loads(raw)
        for table, key in _PURGE_LISTS.items():
            for row_id in data.get(key, []):
                found[table][int(row_id)] = int(event_id)
    return found


def _accounted(purged: dict[int, int], row_id: int, recorded_by: int) -> bool:
    """A recorded row is accounted for when a purge receipt after its event names it."""
    return purged.get(row_id, 0) > recorded_by


def _rows_problem(store: HasDatabase) -> tuple[int | None, str] | None:
    """The first row that disagrees with its event, or has none: (event id or None, text)."""
    purged = _purged(store)
    checks = (
        (
            "decisions",
            "decision",
            "decision_id",
            "SELECT id, verdict, reason FROM decisions",
            ("verdict", "reason"),
        ),
        (
            "verifications",
            "verification",
            "verification_id",
            "SELECT id, verdict, reason FROM verifications",
            ("verdict", "reason"),
        ),
        ("case_notes", "note_added", "note_id", "SELECT id, text FROM case_notes", ("text",)),
    )
    for table, kind, key, sql, columns in checks:
        problem = _compare(store, table, kind, key, sql, columns, purged[table])
        if problem is not None:
            return problem
    return _searches_problem(store, purged["searches"])


def _compare(
    store: HasDatabase,
    table: str,
    kind: str,
    key: str,
    sql: str,
    columns: tuple[str, ...],
    purged: dict[int, int],
) -> tuple[int | None, str] | None:
    events = _events(store, kind, key)
    after = _covered_after(store, table)
    rows = {int(r[0]): r[1:] for r in store.db.execute(sql)}
    for row_id, values in sorted(rows.items()):
        if row_id <= after:
            continue
        if row_id not in events:
            return None, f"{table} row {row_id} has no audit event: it was added behind the trail"
        event_id, data = events[row_id]
        for column, value in zip(columns, values, strict=True):
            if data.get(column) != value:
                return event_id, (
                    f"{table} row {row_id} no longer matches event {event_id}: its {column} "
                    "was changed"
                )
    for row_id, (event_id, _) in sorted(events.items()):
        if row_id not in rows and not _accounted(purged, row_id, event_id):
            return event_id, f"{table} row {row_id}, recorded by event {event_id}, was deleted"
    return None


def _searches_problem(store: HasDatabase, purged: dict[int, int]) -> tuple[int | None, str] | None:
    events = _events(store, "search", "search_id")
    after = _covered_after(store, "searches")
    rows = {
        int(r[0]): (r[1], r[2])
        for r in store.db.execute("SELECT id, probe_sha256, preset FROM searches")
    }
    for search_id, (sha, preset) in sorted(rows.items()):
        if search_id <= after:
            continue
        if search_id not in events:
            return None, f"search {search_id} has no audit event: it was added behind the trail"
        event_id, data = events[search_id]
        if data.get("probe_sha256") != sha or data.get("preset") != preset:
            return event_id, f"search {search_id} no longer matches event {event_id}"
        shown = [[c["rank"], c["subject"], c["distance"]] for c in data.get("candidates", [])]
        stored = [
            [int(r[0]), r[1], round(float(r[2]), 4)]
            for r in store.db.execute(
                "SELECT rank, subject, distance FROM search_candidates WHERE search_id = ? "
                "ORDER BY rank",
                [search_id],
            )
        ]
        if shown != stored:
            return event_id, (
                f"the candidate list of search {search_id} no longer matches event {event_id}"
            )
    for search_id, (event_id, _) in sorted(events.items()):
        if search_id > after and search_id not in rows:
            if _accounted(purged, search_id, event_id):
                continue
            return event_id, f"search {search_id}, recorded by event {event_id}, was deleted"
    return None
