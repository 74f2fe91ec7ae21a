"""The vector file beside a large store: used when it agrees with the store, rebuilt otherwise."""

from __future__ import annotations

import json
import mmap
import stat
from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.gallery import vectors
from rekog_desktop.core.gallery.store import EMBEDDING_DIM, GalleryStore

ROWS = vectors.MIN_ROWS + 100


def fill(store: GalleryStore, rows: int, *, seed: int = 0, first_photo: int = 1) -> None:
    """`rows` enrolled faces, one per photo, inserted with executemany (a real schema, real
    triggers; only the pixels are missing)."""
    rng = np.random.default_rng(seed)
    embeddings = rng.standard_normal((rows, EMBEDDING_DIM), dtype=np.float32)
    with store.transaction():
        subject = store.subject_id("bulk subject", create=True)
        store.db.conn.executemany(
            "INSERT INTO photos (id, subject_id, path, sha256, width, height, source,"
            " imported_utc, imported_by, face_count) VALUES (?, ?, ?, ?, 640, 480, 'test',"
            " '2026-01-01T00:00:00Z', 'test', 1)",
            [
                (
                    first_photo + i,
                    subject,
                    f"/bulk/{first_photo + i}.jpg",
                    f"{first_photo + i:064x}",
                )
                for i in range(rows)
            ],
        )
        store.db.conn.executemany(
            'INSERT INTO faces (photo_id, subject_id, top, right, bottom, "left", landmarks,'
            " embedding, quality, engine, engine_version) VALUES (?, ?, 0, 10, 10, 0, '{}', ?,"
            " ?, 'dlib-resnet-v1/hog/align68/mirror', 'test')",
            [
                (first_photo + i, subject, embeddings[i].tobytes(), json.dumps({}))
                for i in range(rows)
            ],
        )


def reopen(path: Path) -> GalleryStore:
    """The store as a freshly started process sees it (no matrix cached in memory)."""
    GalleryStore._matrix_cache.clear()
    return GalleryStore(path)


def mapped(array: object) -> bool:
    """Whether `array` is a view of a memory-mapped file (the vector file was used)."""
    while array is not None:
        if isinstance(array, np.memmap | mmap.mmap):
            return True
        array = getattr(array, "base", None)
    return False


def from_rows(store: GalleryStore) -> np.ndarray:
    rows = store.db.execute(
        "SELECT embedding FROM faces WHERE subject_id IS NOT NULL ORDER BY id"
    ).fetchall()
    return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(-1, 128)


@pytest.fixture
def big_store(tmp_path: Path) -> Path:
    path = tmp_path / "gallery.sqlite"
    with GalleryStore(path) as store:
        fill(store, ROWS)
    return path


def test_file_written_owner_only_and_used_on_next_open(big_store: Path) -> None:
    with reopen(big_store) as store:
        first = store.embedding_matrix()
    file = vectors.vectors_path(big_store)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert not mapped(first.vectors)  # read from SQLite, then written
    with reopen(big_store) as store:
        second = store.embedding_matrix()
        expected = from_rows(store)
    assert mapped(second.vectors)
    assert np.array_equal(second.vectors, expected)
    assert np.array_equal(second.face_ids, first.face_ids)


def test_stale_file_is_rebuilt_with_the_new_faces(big_store: Path) -> None:
    with reopen(big_store) as store:
        store.embedding_matrix()
        fill(store, 5, seed=1, first_photo=ROWS + 1)
    with reopen(big_store) as store:
        matrix = store.embedding_matrix()
        assert len(matrix.face_ids) == ROWS + 5
        assert not mapped(matrix.vectors)
        assert np.array_equal(matrix.vectors, from_rows(store))
    with reopen(big_store) as store:  # the rewritten file is trusted again
        again = store.embedding_matrix()
        assert mapped(again.vectors) and len(again.face_ids) == ROWS + 5


def test_corrupted_file_is_ignored_and_rewritten(big_store: Path) -> None:
    with reopen(big_store) as store:
        store.embedding_matrix()
    file = vectors.vectors_path(big_store)
    data = bytearray(file.read_bytes())
    data[-1000] ^= 0x40  # one bit of one embedding
    file.write_bytes(bytes(data))
    with reopen(big_store) as store:
        matrix = store.embedding_matrix()
        assert not mapped(matrix.vectors)
        assert np.array_equal(matrix.vectors, from_rows(store))
    assert file.read_bytes() != bytes(data)


@pytest.mark.parametrize("change", ["ids", "embeddings"])
def test_file_that_disagrees_with_the_store_is_not_trusted(big_store: Path, change: str) -> None:
    """A well-formed file with the right generation and checksum, but other faces or other
    embeddings (a store restored from a backup and changed since, say), is not used."""
    with reopen(big_store) as store:
        matrix = store.embedding_matrix()
        store_id = str(store._one("SELECT value FROM meta WHERE key = 'store_id'"))
    ids, vecs = np.array(matrix.face_ids), np.array(matrix.vectors)
    if change == "ids":
        ids[-1] += 10_000
    else:
        vecs += np.float32(0.01)
    vectors.write(
        vectors.vectors_path(big_store),
        store_id=store_id,
        generation=matrix.generation,
        face_ids=ids,
        vectors=vecs,
    )
    with reopen(big_store) as store:
        used = store.embedding_matrix()
        assert not mapped(used.vectors)
        assert np.array_equal(used.vectors, from_rows(store))


def test_erasure_deletes_the_file(big_store: Path) -> None:
    with reopen(big_store) as store:
        store.embedding_matrix()
        assert vectors.vectors_path(big_store).exists()
        store.delete_photo(1, actor="test", reason="erasure test")
    assert not vectors.vectors_path(big_store).exists()


def test_small_store_keeps_no_file(fresh_store: GalleryStore) -> None:
    fill(fresh_store, 10)
    fresh_store.embedding_matrix()
    assert not vectors.vectors_path(fresh_store.path).exists()
