"""Signed checkpoints: the head of the audit chain, anchored outside the store.

A hash chain alone proves nothing once someone can rewrite it whole: drop the newest events,
or recompute every hash after an edit, and the chain is consistent again. A checkpoint states
"this store had N events and the Nth had hash H", signed with an Ed25519 key of the store that
lives outside the store file (owner-only, in the keys folder). It is written at every export
(beside the PDF, and printed in it) and on demand; `verify` checks the chain still reaches it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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


def store_id(store: HasDatabase) -> str:
    row = store.db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    return str(row[0]) if row else "unknown"


def _key_path(store: HasDatabase) -> Path:
    return keys_dir() / f"store-{store_id(store)}.ed25519"


def latest_path(store: HasDatabase) -> Path:
    return keys_dir() / f"store-{store_id(store)}.checkpoint.json"


def _private_key(store: HasDatabase) -> Ed25519PrivateKey:
    """The store's signing key, created owner-only on first use."""
    path = _key_path(store)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError(f"{path} is not an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(path, pem)
    return key


def public_key_hex(store: HasDatabase) -> str | None:
    """This store's public key, if its key exists on this machine."""
    if not _key_path(store).exists():
        return None
    raw = (
        _private_key(store)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return raw.hex()


def make_checkpoint(store: HasDatabase) -> Checkpoint:
    """Sign the chain's current head, and keep it as the store's latest checkpoint."""
    row = store.db.execute("SELECT count(*), max(id) FROM audit").fetchone()
    count = int(row[0])
    head = store.db.execute("SELECT hash FROM audit WHERE id = ?", [row[1]]).fetchone()
    key = _private_key(store)
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
    _write_private(target, (json.dumps(asdict(checkpoint), indent=2) + "\n").encode())
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
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.public_key)).verify(
            bytes.fromhex(checkpoint.signature), checkpoint.signed_part()
        )
    except (ValueError, InvalidSignature):
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


def _write_private(path: Path, data: bytes) -> None:
    """Write owner-only, atomically (a reader never sees half a key or checkpoint)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
