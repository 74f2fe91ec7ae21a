"""GalleryStore: schema migrations, owner-only file, duplicates, deletes, the embedding cache."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.common.errors import StoreError
from rekog_desktop.core.common.types import EngineInfo, Face, FaceBox, Quality
from rekog_desktop.core.gallery.migrations import MIGRATIONS
from rekog_desktop.core.gallery.store import GalleryStore, PhotoRecord

ENGINE = EngineInfo(name="test-vectors", version="1")


def _face(seed: int) -> Face:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return Face(
        box=FaceBox(top=10, right=60, bottom=60, left=10),
        landmarks={"left_eye": [(20, 30)], "right_eye": [(50, 30)]},
        embedding=vector / np.linalg.norm(vector),
        quality=Quality(30.0, 100.0, 120.0, 0.0, 0.0),
    )


def _record(sha: str, subject: str | None, faces: int = 1, *, enrol: bool = True) -> PhotoRecord:
    return PhotoRecord(
        path=f"/evidence/{sha}.jpg",
        sha256=sha,
        width=100,
        height=100,
        subject=subject,
        source="unit test",
        imported_by="tester",
        faces=tuple(_face(hash(sha) % 1000 + i) for i in range(faces)),
        thumbnails=tuple(b"\xff\xd8" for _ in range(faces)),
        enrol=enrol,
        engine=ENGINE,
    )


def test_new_store_is_owner_only_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "gallery.sqlite"
    with GalleryStore(path) as store:
        applied = [m.name for m in MIGRATIONS.applied(store.db)]
        assert applied == [m.name for m in MIGRATIONS._migrations]
        assert {"subjects", "photos", "faces"} <= set(store.db.table_names())
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    GalleryStore(path).close()
    with GalleryStore(path) as store:
        rows = store.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert rows == len(MIGRATIONS._migrations)
        assert MIGRATIONS.pending(store.db) == []


def test_a_session_one_store_gains_the_estimate_columns(tmp_path: Path) -> None:
    """A store made before migration 0003 (its columns dropped, its record removed, as an
    older version left it) is upgraded in place when opened, keeping its searches' rows."""
    path = tmp_path / "old.sqlite"
    with GalleryStore(path) as store:
        store.db.execute(
            "INSERT INTO cases (number, title, purpose, legal_basis, officer, opened_utc) "
            "VALUES ('C-1', 't', 'p', 'l', 'o', '2026-01-01')"
        )
        store.db.execute(
            "INSERT INTO searches (case_id, probe_path, probe_sha256, face_index, face_box, "
            "quality, top_k, tolerance, engine, engine_version, gallery_faces, "
            "within_tolerance, actor, os_user, created_utc) VALUES (1, 'p.jpg', 'abc', 0, "
            "'[1, 2, 3, 0]', '{}', 20, 0.6, 'dlib-resnet-v1/hog', 'dlib', 3, 1, 'a', 'u', "
            "'2026-01-01')"
        )
        for column in ("never_enrolled_match", "strict_threshold", "gallery_subjects", "fmr_floor"):
            store.db.execute(f"ALTER TABLE searches DROP COLUMN {column}")
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_search_estimates'")
        store.db.conn.commit()
    with GalleryStore(path) as store:
        assert MIGRATIONS.pending(store.db) == []
        row = store.db.execute(
            "SELECT probe_path, never_enrolled_match, fmr_floor FROM searches"
        ).fetchall()
        assert row == [("p.jpg", None, None)]


def test_not_a_store_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("this is a text file, not SQLite " * 100)
    with pytest.raises(StoreError, match="not a usable gallery store"):
        GalleryStore(bogus)
    with pytest.raises(StoreError, match="folder"):
        GalleryStore(tmp_path)


def test_same_file_twice_is_not_duplicated(fresh_store: GalleryStore) -> None:
    first = fresh_store.add_photos([_record("aa", "alice")])
    second = fresh_store.add_photos([_record("aa", "alice"), _record("bb", "alice")])
    assert first[0] is not None and second[0] is None and second[1] is not None
    assert fresh_store.counts()["photos"] == 2
    assert fresh_store.known_hashes(["aa", "cc"]) == {"aa"}


def test_unenrolled_faces_stay_out_of_search(fresh_store: GalleryStore) -> None:
    fresh_store.add_photos([_record("g1", "alice", faces=3, enrol=False), _record("a1", "alice")])
    matrix = fresh_store.embedding_matrix()
    assert matrix.vectors.shape == (1, 128)
    assert fresh_store.counts()["faces"] == 4
    (summary,) = fresh_store.subjects()
    assert (summary.name, summary.photos, summary.faces) == ("alice", 2, 1)


def test_embedding_cache_follows_changes(fresh_store: GalleryStore) -> None:
    fresh_store.add_photos([_record("a1", "alice")])
    before = fresh_store.embedding_matrix()
    assert fresh_store.embedding_matrix() is before
    fresh_store.add_photos([_record("b1", "bob")])
    after = fresh_store.embedding_matrix()
    assert after is not before and len(after.face_ids) == 2
    (bob,) = [s for s in fresh_store.subjects() if s.name == "bob"]
    fresh_store.delete_subject(bob.id, actor="tester", reason="test")
    assert len(fresh_store.embedding_matrix().face_ids) == 1


def test_embeddings_round_trip_as_float32(fresh_store: GalleryStore) -> None:
    record = _record("a1", "alice")
    fresh_store.add_photos([record])
    stored = fresh_store.embedding_matrix().vectors[0]
    assert stored.dtype == np.float32
    np.testing.assert_array_equal(stored, record.faces[0].embedding)


def test_deleting_a_photo_removes_its_faces(fresh_store: GalleryStore) -> None:
    fresh_store.add_photos([_record("a1", "alice", faces=1), _record("a2", "alice")])
    photo = fresh_store.photos()[0]
    fresh_store.delete_photo(photo.id, actor="tester", reason="test")
    assert fresh_store.counts() == {"subjects": 1, "photos": 1, "faces": 1, "enrolled_faces": 1}
    assert fresh_store.faces_of_photo(photo.id) == []


def test_embedding_blob_size_is_enforced(fresh_store: GalleryStore) -> None:
    fresh_store.add_photos([_record("a1", "alice")])
    with pytest.raises(sqlite3.IntegrityError):
        fresh_store.db.execute("UPDATE faces SET embedding = x'00'")


def test_a_new_store_opened_at_once_by_threads_and_processes(tmp_path: Path) -> None:
    """The app's workers and a CLI run may create the same new store at the same moment."""
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "new.sqlite"
    code = (
        "import sys\nfrom rekog_desktop.core.gallery.store import GalleryStore\n"
        "GalleryStore(sys.argv[1]).close()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)]) for _ in range(3)]

    def open_close(_: int) -> int:
        with GalleryStore(path) as store:
            return store.counts()["photos"]

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(open_close, range(6))) == [0] * 6
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    with GalleryStore(path) as store:
        assert MIGRATIONS.pending(store.db) == []
