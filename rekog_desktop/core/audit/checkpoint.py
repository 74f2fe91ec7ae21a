"""Signed checkpoints: the head of the audit chain, anchored outside the store.

A hash chain alone proves nothing once someone can rewrite it whole: drop the newest events,
or recompute every hash after an edit, and the chain is consistent again. A checkpoint states
"this store had N events and the Nth had hash H", signed with an Ed25519 key of the store that
lives outside the store file (owner-only, in the keys folder). It is written at every export
(beside the PDF, and printed in it) and on demand; `verify` checks the chain still reaches it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from rekog_desktop.core.audit.keys import (
    private_key,
    public_key_hex,
    signature_ok,
    store_id,
    write_private,
)
from rekog_desktop.core.common.clock import utc_now
from rekog_desktop.core.common.database import HasDatabase
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.common.paths import keys_dir


class CheckpointError(RekogError):
    """A checkpoint file that cannot be read, or is not signed by this store's key."""


@dataclass(frozen=True)
class Checkpoint:
    store_id: str
    events: int
    head_hash: str
    created_utc: str
    public_key: str
    signature: str

    def signed_part(self) -> bytes:
        fields = [self.store_id, self.events, self.head_hash, self.created_utc]
        return json.dumps(fields, separators=(",", ":")).encode()

    @property
    def anchor(self) -> str:
        """One line for a PDF or a terminal: what the chain must still reach."""
        return (
            f"{self.events} events, head {self.head_hash}, signed {self.created_utc} "
            f"(key {self.public_key[:16]}…)"
        )


def latest_path(store: HasDatabase) -> Path:
    """The latest checkpoint of this store file. Copies of a store share its id and key but
    not this file: a copy is judged by the checkpoints taken of it (or one handed to verify),
    never by another copy's newer history."""
    row = store.db.execute("PRAGMA database_list").fetchone()
    where = hashlib.sha256(str(Path(row[2]).resolve()).encode()).hexdigest()[:16]
    return keys_dir() / f"store-{store_id(store)}-{where}.checkpoint.json"


def make_checkpoint(store: HasDatabase) -> Checkpoint:
    """Sign the chain's current head, and keep it as the store's latest checkpoint."""
    row = store.db.execute("SELECT count(*), max(id) FROM audit").fetchone()
    count = int(row[0])
    head = store.db.execute("SELECT hash FROM audit WHERE id = ?", [row[1]]).fetchone()
    key = private_key(store)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    unsigned = Checkpoint(store_id(store), count, head[0] if head else "0" * 64, utc_now(), "", "")
    signature = key.sign(unsigned.signed_part()).hex()
    checkpoint = Checkpoint(
        unsigned.store_id,
        unsigned.events,
        unsigned.head_hash,
        unsigned.created_utc,
        public.hex(),
        signature,
    )
    save_checkpoint(checkpoint, latest_path(store))
    return checkpoint


def save_checkpoint(checkpoint: Checkpoint, path: str | Path) -> Path:
    target = Path(path).expanduser()
    write_private(target, (json.dumps(asdict(checkpoint), indent=2) + "\n").encode())
    return target


def load_checkpoint(path: str | Path) -> Checkpoint:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Checkpoint(**{k: data[k] for k in Checkpoint.__dataclass_fields__})
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint file at {path}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a rekog checkpoint ({exc})") from None


def check_checkpoint(store: HasDatabase, checkpoint: Checkpoint) -> tuple[int | None, str]:
    """Whether the store's chain still reaches `checkpoint`: (None, "") when it does, else
    (the first event id that is missing or differs, the problem)."""
    if checkpoint.store_id != store_id(store):
        return 0, f"the checkpoint is of another store ({checkpoint.store_id})"
    if not signature_ok(checkpoint.public_key, checkpoint.signed_part(), checkpoint.signature):
        return 0, "the checkpoint's signature is not valid"
    mine = public_key_hex(store)
    if mine is not None and mine != checkpoint.public_key:
        return 0, "the checkpoint was not signed with this store's key"
    if checkpoint.events == 0:
        return None, ""
    row = store.db.execute("SELECT hash FROM audit WHERE id = ?", [checkpoint.events]).fetchone()
    present = int(store.db.execute("SELECT count(*) FROM audit").fetchone()[0])
    if row is None or present < checkpoint.events:
        return present + 1, (
            f"the checkpoint of {checkpoint.created_utc} saw {checkpoint.events} events; "
            f"{present} remain: events were deleted"
        )
    if row[0] != checkpoint.head_hash:
        return checkpoint.events, (
            f"event {checkpoint.events} differs from the checkpoint of "
            f"{checkpoint.created_utc}: the chain was rewritten"
        )
    return None, ""
