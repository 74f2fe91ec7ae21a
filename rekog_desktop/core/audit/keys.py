"""The store's Ed25519 signing key: outside the store file, owner-only, one per store.

Whoever can edit a store file (a copy on a shared drive, a backup) cannot also sign in its
name, so events and checkpoints signed with this key cannot be forged with SQL alone. The key
lives in the keys folder (core.common.paths.keys_dir), named by the store's id.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rekog_desktop.core.common.database import HasDatabase
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.common.paths import keys_dir

#: Keys already loaded in this process, by key file (an append must not read a file each time).
_loaded: dict[Path, Ed25519PrivateKey] = {}


class StoreKeyError(RekogError):
    """The store's key file is not an Ed25519 key."""


def store_id(store: HasDatabase) -> str:
    row = store.db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    return str(row[0]) if row else "unknown"


def key_path(store: HasDatabase) -> Path:
    return keys_dir() / f"store-{store_id(store)}.ed25519"


def private_key(store: HasDatabase) -> Ed25519PrivateKey:
    """The store's signing key, created owner-only on first use."""
    path = key_path(store)
    if path in _loaded:
        return _loaded[path]
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise StoreKeyError(f"{path} is not an Ed25519 key")
    else:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(path, pem, exclusive=True)
        key = _reload_after_race(path, key)
    _loaded[path] = key
    return key


def _reload_after_race(path: Path, key: Ed25519PrivateKey) -> Ed25519PrivateKey:
    """Two processes creating the first key at once: the file that won is the key."""
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return loaded if isinstance(loaded, Ed25519PrivateKey) else key


def public_key_hex(store: HasDatabase) -> str | None:
    """This store's public key, if its key exists on this machine."""
    if not key_path(store).exists():
        return None
    raw = (
        private_key(store)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return raw.hex()


def sign_event(store: HasDatabase, digest: str) -> str:
    return private_key(store).sign(bytes.fromhex(digest)).hex()


def signature_ok(public_hex: str, message: bytes, signature_hex: str | None) -> bool:
    if not signature_hex:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(signature_hex), message
        )
    except (ValueError, InvalidSignature):
        return False
    return True


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write owner-only and atomically (a reader never sees half a file); `exclusive`: keep
    a file that appeared meanwhile (another process won the race to create it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if exclusive:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
