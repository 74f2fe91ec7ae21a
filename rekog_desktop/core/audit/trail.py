"""The tamper-evident audit trail: append-only events chained by SHA-256.

Each event's hash covers its sequence id, time, actor, OS user, case, type, data and the previous
event's hash, so editing or removing any row breaks the chain from that row on; the hash is
signed with the store's key (audit.keys), so a chain rebuilt without the key shows. Triggers refuse
UPDATE and DELETE; `verify_chain` catches edits made around them (e.g. with the trigger dropped).
Event data never holds embeddings or image bytes: paths, hashes, ids, counts and text only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from rekog_desktop.core.audit.events import Event
from rekog_desktop.core.audit.keys import sign_event
from rekog_desktop.core.common.clock import os_user, utc_now
from rekog_desktop.core.common.database import HasDatabase
from rekog_desktop.core.common.errors import AuditWriteFailed

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    id: int
    created_utc: str
    actor: str
    os_user: str
    case_number: str | None
    event_type: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    events: int
    head_hash: str
    first_bad_id: int | None = None
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
        }


def event_hash(
    *,
    event_id: int,
    created_utc: str,
    actor: str,
    os_user: str,
    case_number: str | None,
    event_type: str,
    data_json: str,
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        [event_id, created_utc, actor, os_user, case_number, event_type, data_json, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append_event(
    store: HasDatabase, event: Event, *, actor: str, case_number: str | None = None
) -> AuditEvent:
    """Append one event (one of the classes in audit/events.py). Call inside the transaction of
    the action it records, so both commit or neither does; on its own it opens a transaction."""
    event_type, data = event.kind, event.data()
    db = store.db
    conn = db.conn
    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        # Take the write lock before reading the head, so two writers never fork the chain.
        db.execute("UPDATE meta SET value = value + 1 WHERE key = 'audit_seq'")
        row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev_id, prev_hash = (int(row[0]), row[1]) if row else (0, GENESIS_HASH)
        event_id = prev_id + 1
        created = utc_now()
        user = os_user()
        data_json = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = event_hash(
            event_id=event_id,
            created_utc=created,
            actor=actor,
            os_user=user,
            case_number=case_number,
            event_type=event_type,
            data_json=data_json,
            prev_hash=prev_hash,
        )
        # Signed with the store's key (kept outside the store): an event appended or a chain
        # recomputed with SQL alone, without the key, has no valid signature.
        signature = sign_event(store, digest)
        db.execute(
            """INSERT INTO audit (id, created_utc, actor, os_user, case_number, event_type, data,
            prev_hash, hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                event_id,
                created,
                actor,
                user,
                case_number,
                event_type,
                data_json,
                prev_hash,
                digest,
                signature,
            ],
        )
        if own_transaction:
            conn.commit()
    except (sqlite3.Error, OSError) as exc:
        # The store refused the row (locked past its timeout, disk full, read-only file) or
        # the signing key could not be read: the caller's whole action rolls back with it.
        if own_transaction:
            conn.rollback()
        raise AuditWriteFailed(str(exc) or type(exc).__name__) from exc
    except BaseException:
        if own_transaction:
            conn.rollback()
        raise
    return AuditEvent(
        event_id, created, actor, user, case_number, event_type, data, prev_hash, digest
    )


def list_events(
    store: HasDatabase,
    *,
    case_number: str | None = None,
    event_type: str | None = None,
    limit: int | None = None,
) -> list[AuditEvent]:
    clauses, params = [], []
    if case_number is not None:
        clauses.append("case_number = ?")
        params.append(case_number)
    if event_type is not None:
        clauses.append("event_type = ?")
        params.append(event_type)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    tail = f"LIMIT {int(limit)}" if limit else ""
    rows = store.db.execute(
        f"""SELECT id, created_utc, actor, os_user, case_number, event_type, data, prev_hash, hash
        FROM audit {where} ORDER BY id {tail}""",
        params,
    ).fetchall()
    return [
        AuditEvent(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in rows
    ]


def event_types(store: HasDatabase) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT DISTINCT event_type FROM audit ORDER BY 1")]


def verify_chain(store: HasDatabase) -> ChainStatus:
    """Recompute every hash and link; report the first row that does not match."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    rows = store.db.execute(
        """SELECT id, created_utc, actor, os_user, case_number, event_type, data, prev_hash, hash
        FROM audit ORDER BY id"""
    )
    for row in rows:
        event_id = int(row[0])
        if event_id != expected_id:
            return ChainStatus(False, count, prev_hash, expected_id, "event missing from sequence")
        if row[7] != prev_hash:
            return ChainStatus(False, count, prev_hash, event_id, "link to previous event broken")
        digest = event_hash(
            event_id=event_id,
            created_utc=row[1],
            actor=row[2],
            os_user=row[3],
            case_number=row[4],
            event_type=row[5],
            data_json=row[6],
            prev_hash=row[7],
        )
        if digest != row[8]:
            return ChainStatus(False, count, prev_hash, event_id, "event content was altered")
        prev_hash = row[8]
        expected_id += 1
        count += 1
    return ChainStatus(True, count, prev_hash)
