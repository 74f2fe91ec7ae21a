"""The vector file beside a store (STORE.vectors): its enrolled embeddings, memory-mapped.

Why: reading 1M embeddings out of SQLite rows takes seconds (each row also holds landmarks and
a thumbnail), so a large store could not be searched soon after it was opened. The file holds
the same matrix the store's SELECT gives, tied to the store it came from and to its generation
(meta 'generation', bumped by triggers on every change to enrolled faces).

It is a cache, never a source: it is used only when everything agrees (format, store id,
generation, row count, the CRC-32 of its contents, its face ids against the store's (count,
sum, least and greatest) and a sample of its rows against the store's embeddings); otherwise
it is ignored and written again from the store. Erasing faces deletes it (erased embeddings
must not live on beside the store). Owner-only, like the store; written to a temporary file
and renamed, so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

MAGIC = b"REKOGVEC"
VERSION = 2
#: magic, version, dim, rows, generation, store id (32 bytes, NUL-padded), CRC-32 of the body.
_HEADER = struct.Struct("<8sIIqq32s4s")
#: The body starts on a page boundary, so the vectors are memory-mapped aligned.
HEADER_BYTES = 4096
#: Stores smaller than this are read from SQLite directly (well under 100 ms); no file is kept.
MIN_ROWS = 32_768
#: Rows of the file compared with the store's own embeddings at every open.
SAMPLE_ROWS = 64


def vectors_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".vectors")


@dataclass(frozen=True)
class StoredVectors:
    """What a trusted file gives: face ids and their vectors (read-only memory maps)."""

    face_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]


def _digest(face_ids: np.ndarray, vectors: np.ndarray) -> bytes:
    """CRC-32 of the body: it is there to catch a damaged or truncated file (a disk error, a
    copy cut short), at 2.8 GB/s where SHA-256 ran at 1.2 (512 MB at 1M faces, at every open);
    whoever could forge the file could write the store beside it too (both owner-only)."""
    crc = zlib.crc32(np.ascontiguousarray(face_ids).data)
    crc = zlib.crc32(np.ascontiguousarray(vectors).data, crc)
    return crc.to_bytes(4, "little")


def write(
    path: Path,
    *,
    store_id: str,
    generation: int,
    face_ids: npt.NDArray[np.int64],
    vectors: npt.NDArray[np.float32],
) -> None:
    """Write the file owner-only and atomically (temporary file, fsync, rename)."""
    rows, dim = vectors.shape
    header = _HEADER.pack(
        MAGIC,
        VERSION,
        dim,
        rows,
        generation,
        store_id.encode()[:32],
        _digest(face_ids, vectors),
    )
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header.ljust(HEADER_BYTES, b"\0"))
            out.write(np.ascontiguousarray(face_ids, dtype="<i8").data)
            out.write(np.ascontiguousarray(vectors, dtype="<f4").data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def read(
    path: Path, *, store_id: str, generation: int, rows: int, dim: int
) -> StoredVectors | None:
    """The file's ids and vectors if its header matches this store, generation and row count
    and its contents their CRC-32; None (and a log line saying why) otherwise. The caller
    still compares ids and sampled rows with the store (`agrees_with`)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_HEADER.size)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("vector file %s unreadable (%s): rebuilt from the store", path, exc)
        return None
    why = _mismatch(head, size, store_id=store_id, generation=generation, rows=rows, dim=dim)
    if why:
        log.info("vector file %s not used (%s): rebuilt from the store", path, why)
        return None
    face_ids = np.memmap(path, dtype="<i8", mode="r", offset=HEADER_BYTES, shape=(rows,))
    vectors = np.memmap(
        path, dtype="<f4", mode="r", offset=HEADER_BYTES + 8 * rows, shape=(rows, dim)
    )
    if _digest(face_ids, vectors) != _HEADER.unpack(head)[6]:
        log.warning("vector file %s does not match its checksum: rebuilt from the store", path)
        return None
    return StoredVectors(face_ids=face_ids, vectors=vectors)


def _mismatch(
    head: bytes, size: int, *, store_id: str, generation: int, rows: int, dim: int
) -> str:
    if len(head) < _HEADER.size:
        return "too short"
    magic, version, file_dim, file_rows, file_generation, file_store, _ = _HEADER.unpack(head)
    if magic != MAGIC or version != VERSION:
        return "not a vector file of this version"
    if file_store.rstrip(b"\0") != store_id.encode()[:32]:
        return "made for another store"
    if file_generation != generation:
        return f"generation {file_generation}, the store is at {generation}"
    if file_rows != rows or file_dim != dim:
        return f"{file_rows} rows of {file_dim}, the store has {rows} of {dim}"
    if size != HEADER_BYTES + rows * (8 + 4 * dim):
        return "wrong length"
    return ""


def discard(path: Path) -> None:
    """Delete the file (after an erasure), whether or not it exists."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
