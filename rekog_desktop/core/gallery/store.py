"""GalleryStore: the agency's SQLite file of subjects, photos, faces and embeddings.

One connection per thread (SQLite's rule); open a store per worker. Writes that belong together
(a photo and its faces) commit together, so a crash never leaves half a photo behind.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sqlite_utils import Database

from rekog_desktop.core.audit.events import (
    FaceEnrolled,
    FaceUnassigned,
    PhotoDeleted,
    SubjectDeleted,
)
from rekog_desktop.core.audit.trail import append_event
from rekog_desktop.core.common.clock import os_user, utc_now
from rekog_desktop.core.common.errors import StoreError
from rekog_desktop.core.common.filenames import displayable, from_raw, is_clean, raw_name
from rekog_desktop.core.common.types import EngineInfo, Face, FaceBox, Quality
from rekog_desktop.core.gallery import vectors
from rekog_desktop.core.gallery.migrations import MIGRATIONS

log = logging.getLogger(__name__)

EMBEDDING_DIM = 128


@dataclass(frozen=True)
class PhotoRecord:
    """A photo as it enters the store, with its faces (already analysed)."""

    path: str
    sha256: str
    width: int
    height: int
    subject: str | None
    source: str
    imported_by: str
    faces: tuple[Face, ...]
    thumbnails: tuple[bytes, ...]
    enrol: bool
    engine: EngineInfo
    #: With `enrol` False: the index of the one face enrolled under the subject (the dominant
    #: face of a photo with several faces, core/faces/dominant.py); the others stay unassigned.
    enrol_only: int | None = None
    #: How that face was chosen (DominantChoice.as_dict()), kept with the photo's provenance.
    face_choice: dict[str, Any] | None = None


@dataclass(frozen=True)
class SubjectSummary:
    id: int
    name: str
    notes: str
    photos: int
    faces: int


@dataclass(frozen=True)
class StoredFace:
    id: int
    photo_id: int
    subject_id: int | None
    subject: str | None
    photo_path: str
    photo_sha256: str
    box: FaceBox
    landmarks: dict[str, list[tuple[int, int]]]
    quality: Quality
    engine: str
    engine_version: str


@dataclass(frozen=True)
class StoredPhoto:
    id: int
    subject_id: int | None
    subject: str | None
    path: str
    sha256: str
    width: int
    height: int
    source: str
    imported_utc: str
    imported_by: str
    face_count: int
    #: The file name's bytes when they are not valid UTF-8 (`path` is then displayable only).
    path_raw: bytes | None = None
    #: How the enrolled face of a photo with several faces was chosen (rule, measures, answer);
    #: None when no choice was needed.
    face_choice: dict[str, Any] | None = None

    @property
    def file(self) -> str:
        """The path to open the photo with (lossless, also for undecodable names)."""
        return from_raw(self.path_raw) if self.path_raw is not None else self.path


@dataclass(frozen=True)
class EmbeddingMatrix:
    """Enrolled embeddings as one float32 matrix, with the face id of each row."""

    generation: int
    face_ids: np.ndarray
    vectors: np.ndarray
    squared_norms: np.ndarray

    @classmethod
    def build(cls, generation: int, face_ids: np.ndarray, vectors: np.ndarray) -> EmbeddingMatrix:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        norms = np.einsum("ij,ij->i", vectors, vectors)
        return cls(generation, np.asarray(face_ids, dtype=np.int64), vectors, norms)


def _create_private_file(path: Path) -> None:
    """Create the store file owner-only (0600) before SQLite touches it; SQLite gives the -wal and
    -shm files the same permissions as the database."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


_SETUP_LOCK = threading.Lock()


def _retry_while_locked(action: Callable[[], None], *, seconds: float = 30.0) -> None:
    """SQLite answers 'locked' at once (no busy wait) when a read must become a write while
    another connection writes, and a migration raced by another process finds its table
    already made (its own transaction rolled back): both are retried, then nothing is pending."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            retryable = "locked" in str(exc) or "already exists" in str(exc)
            if not retryable or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class GalleryStore:
    """The gallery database. Not shared between threads: each thread opens its own."""

    _matrix_cache: ClassVar[dict[str, EmbeddingMatrix]] = {}
    _matrix_lock = threading.Lock()

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        """Open the store at `path`; with `create` False a missing file is an error (commands
        that only read or check must never leave an empty store behind a typo). A URL is
        refused: it would otherwise become a folder named after its scheme."""
        if "://" in str(path):
            raise StoreError(
                f"{path} is a URL: this build opens SQLite store files only; give a file path"
            )
        self.path = Path(path).expanduser().resolve()
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a gallery store file")
        if not self.path.exists():
            if not create:
                raise StoreError(f"no gallery store at {self.path} (check --db or REKOG_DB)")
            _create_private_file(self.path)
        try:
            conn = sqlite3.connect(str(self.path), timeout=30.0)
            with _SETUP_LOCK:
                self.db = Database(conn)
                _retry_while_locked(lambda: self._set_up(conn))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable gallery store ({exc})") from None

    def _set_up(self, conn: sqlite3.Connection) -> None:
        """WAL and migrations, touched only when needed: several connections (the app's
        workers, a CLI run) may open a new store at the same moment."""
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Erasure must remove the bytes, not only the rows (stock SQLite leaves them in free
        # pages until a VACUUM).
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA foreign_keys=ON")
        if MIGRATIONS.pending(self.db):
            MIGRATIONS.apply(self.db)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> GalleryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken with the write lock up front (BEGIN IMMEDIATE) so a read
        inside it never works on a stale snapshot; nested uses join the outer transaction."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    # -- state ------------------------------------------------------------------------------

    def generation(self) -> int:
        """Bumped by triggers on every change to enrolled faces; keys the embedding cache."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def engine_name(self) -> str | None:
        """The engine that built this store's embeddings (its first face's), None when empty:
        every later import and probe must use the same variant (engine.settings_for_engine)."""
        row = self.db.execute("SELECT engine FROM faces ORDER BY id LIMIT 1").fetchone()
        return str(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        one = self._one
        return {
            "subjects": one("SELECT count(*) FROM subjects"),
            "photos": one("SELECT count(*) FROM photos"),
            "faces": one("SELECT count(*) FROM faces"),
            "enrolled_faces": one("SELECT count(*) FROM faces WHERE subject_id IS NOT NULL"),
        }

    def unassigned_face_count(self) -> int:
        """Faces enrolled as nobody: what the GUI lists as awaiting assignment."""
        return self._one("SELECT count(*) FROM faces WHERE subject_id IS NULL")

    def _one(self, sql: str, params: Iterable[Any] = ()) -> int:
        row = self.db.execute(sql, list(params)).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- subjects ---------------------------------------------------------------------------

    def subject_id(self, name: str, *, create: bool = False) -> int | None:
        name = name.strip()
        row = self.db.execute("SELECT id FROM subjects WHERE name = ?", [name]).fetchone()
        if row:
            return int(row[0])
        if not create:
            return None
        cursor = self.db.execute(
            "INSERT INTO subjects (name, notes, created_utc) VALUES (?, '', ?)", [name, utc_now()]
        )
        return int(cursor.lastrowid or 0)

    def subjects(self, *, name_filter: str = "") -> list[SubjectSummary]:
        rows = self.db.execute(
            """
            SELECT s.id, s.name, s.notes,
                   (SELECT count(*) FROM photos p WHERE p.subject_id = s.id),
                   (SELECT count(*) FROM faces f WHERE f.subject_id = s.id)
            FROM subjects s WHERE s.name LIKE ? ORDER BY s.name COLLATE NOCASE
            """,
            [f"%{name_filter}%"],
        ).fetchall()
        return [SubjectSummary(int(r[0]), r[1], r[2], int(r[3]), int(r[4])) for r in rows]

    def set_subject_notes(self, subject_id: int, notes: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE subjects SET notes = ? WHERE id = ?", [notes, subject_id])

    def delete_subject(self, subject_id: int, *, actor: str, reason: str) -> int:
        """Erase a subject, their photos, faces, embeddings and thumbnails; returns photos
        removed. The audit receipt says what was erased, by whom and why, never the data."""
        with self.transaction():
            name = self.db.execute(
                "SELECT name FROM subjects WHERE id = ?", [subject_id]
            ).fetchone()
            if name is None:
                raise StoreError(f"no subject with id {subject_id}")
            hashes = [
                r[0]
                for r in self.db.execute(
                    "SELECT sha256 FROM photos WHERE subject_id = ?", [subject_id]
                )
            ]
            faces = self._one(
                "SELECT count(*) FROM faces WHERE photo_id IN "
                "(SELECT id FROM photos WHERE subject_id = ?) OR subject_id = ?",
                [subject_id, subject_id],
            )
            kept = self._case_snapshots(
                "SELECT id FROM faces WHERE photo_id IN "
                "(SELECT id FROM photos WHERE subject_id = ?) OR subject_id = ?",
                [subject_id, subject_id],
            )
            self.db.execute("DELETE FROM photos WHERE subject_id = ?", [subject_id])
            self.db.execute("UPDATE faces SET subject_id = NULL WHERE subject_id = ?", [subject_id])
            self.db.execute("DELETE FROM subjects WHERE id = ?", [subject_id])
            snapshots, cases = kept
            receipt = SubjectDeleted(
                subject=name[0],
                photo_sha256=hashes,
                faces=faces,
                reason=reason,
                case_snapshots_kept=snapshots,
                cases_keeping_snapshots=cases,
            )
            append_event(self, receipt, actor=actor)
        self.clear_freed_pages()
        return len(hashes)

    def _case_snapshots(self, faces_sql: str, params: list[Any]) -> tuple[int, int]:
        """What of the erased faces past case records keep, for the erasure receipt: how many
        candidate snapshots (face crop, subject, photo path) officers were shown, in how many
        cases; they stay there until each case is purged (`rekog case purge`)."""
        row = self.db.execute(
            f"""SELECT count(*), count(DISTINCT s.case_id) FROM search_candidates sc
            JOIN searches s ON s.id = sc.search_id WHERE sc.face_id IN ({faces_sql})""",
            params,
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def clear_freed_pages(self) -> None:
        """Make erased bytes gone from the files: secure_delete (set on every connection)
        zeroes what a DELETE frees in the database, and a truncating checkpoint empties the
        WAL, which still holds the pages as they were before. The vector file beside the
        store goes too (the next search writes it again without the erased rows)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        vectors.discard(vectors.vectors_path(self.path))

    # -- photos -----------------------------------------------------------------------------

    def known_hashes(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(set(hashes))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT sha256 FROM photos WHERE sha256 IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    def add_photos(self, records: Iterable[PhotoRecord]) -> list[int | None]:
        """Store photos with their faces in one transaction; a photo whose SHA-256 is already in
        the store is skipped (None in the result), never duplicated."""
        ids: list[int | None] = []
        with self.transaction():
            for record in records:
                ids.append(self._insert_photo(record))
        return ids

    def _insert_photo(self, record: PhotoRecord) -> int | None:
        subject_id = self.subject_id(record.subject, create=True) if record.subject else None
        cursor = self.db.execute(
            """
            INSERT OR IGNORE INTO photos (subject_id, path, path_raw, sha256, width, height,
                                          source, imported_utc, imported_by, face_count,
                                          face_choice)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                subject_id,
                displayable(record.path),
                None if is_clean(record.path) else raw_name(record.path),
                record.sha256,
                record.width,
                record.height,
                record.source,
                utc_now(),
                record.imported_by,
                len(record.faces),
                None if record.face_choice is None else json.dumps(record.face_choice),
            ],
        )
        if cursor.rowcount == 0:
            return None
        photo_id = int(cursor.lastrowid or 0)
        for number, (face, thumb) in enumerate(zip(record.faces, record.thumbnails, strict=True)):
            enrolled = record.enrol or number == record.enrol_only
            face_subject = subject_id if enrolled else None
            self.db.execute(
                """
                INSERT INTO faces (photo_id, subject_id, top, right, bottom, "left", landmarks,
                                   embedding, quality, engine, engine_version, thumbnail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    photo_id,
                    face_subject,
                    face.box.top,
                    face.box.right,
                    face.box.bottom,
                    face.box.left,
                    json.dumps(face.landmarks, separators=(",", ":")),
                    np.asarray(face.embedding, dtype=np.float32).tobytes(),
                    json.dumps(face.quality.as_dict()),
                    record.engine.name,
                    record.engine.version,
                    thumb,
                ],
            )
        return photo_id

    def photos(
        self, *, subject_id: int | None = None, awaiting_assignment: bool = False
    ) -> list[StoredPhoto]:
        """Photos in import order: all, a subject's, or (`awaiting_assignment`) those holding at
        least one face enrolled as nobody (group photos, a dominant choice's leftovers, photos
        filed under no subject)."""
        clauses, params = [], []
        if subject_id:
            clauses.append("p.subject_id = ?")
            params.append(subject_id)
        if awaiting_assignment:
            clauses.append(
                "EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id AND f.subject_id IS NULL)"
            )
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.execute(
            f"""
            SELECT p.id, p.subject_id, s.name, p.path, p.sha256, p.width, p.height, p.source,
                   p.imported_utc, p.imported_by, p.face_count, p.path_raw, p.face_choice
            FROM photos p LEFT JOIN subjects s ON s.id = p.subject_id {where} ORDER BY p.id
            """,
            params,
        ).fetchall()
        return [self._stored_photo(row) for row in rows]

    @staticmethod
    def _stored_photo(row: tuple[Any, ...]) -> StoredPhoto:
        return StoredPhoto(
            id=row[0],
            subject_id=row[1],
            subject=row[2],
            path=row[3],
            sha256=row[4],
            width=row[5],
            height=row[6],
            source=row[7],
            imported_utc=row[8],
            imported_by=row[9],
            face_count=row[10],
            path_raw=row[11],
            face_choice=None if row[12] is None else json.loads(row[12]),
        )

    def delete_photo(self, photo_id: int, *, actor: str, reason: str) -> None:
        """Erase a photo, its faces, embeddings and thumbnails (with an audit receipt)."""
        with self.transaction():
            row = self.db.execute(
                "SELECT path, sha256, face_count FROM photos WHERE id = ?", [photo_id]
            ).fetchone()
            if row is None:
                raise StoreError(f"no photo with id {photo_id}")
            kept = self._case_snapshots("SELECT id FROM faces WHERE photo_id = ?", [photo_id])
            self.db.execute("DELETE FROM photos WHERE id = ?", [photo_id])
            snapshots, cases = kept
            receipt = PhotoDeleted(
                photo_id=photo_id,
                path=row[0],
                sha256=row[1],
                faces=row[2],
                reason=reason,
                case_snapshots_kept=snapshots,
                cases_keeping_snapshots=cases,
            )
            append_event(self, receipt, actor=actor)
        self.clear_freed_pages()

    # -- faces ------------------------------------------------------------------------------

    _FACE_COLUMNS = """
        f.id, f.photo_id, f.subject_id, s.name, p.path, p.sha256, f.top, f.right, f.bottom,
        f."left", f.landmarks, f.quality, f.engine, f.engine_version
    """

    def faces(self, face_ids: Iterable[int]) -> dict[int, StoredFace]:
        ids = list(face_ids)
        result: dict[int, StoredFace] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"""SELECT {self._FACE_COLUMNS} FROM faces f JOIN photos p ON p.id = f.photo_id
                LEFT JOIN subjects s ON s.id = f.subject_id WHERE f.id IN ({marks})""",
                chunk,
            )
            for row in rows:
                face = self._stored_face(row)
                result[face.id] = face
        return result

    def faces_of_photo(self, photo_id: int) -> list[StoredFace]:
        rows = self.db.execute(
            f"""SELECT {self._FACE_COLUMNS} FROM faces f JOIN photos p ON p.id = f.photo_id
            LEFT JOIN subjects s ON s.id = f.subject_id WHERE f.photo_id = ? ORDER BY f.id""",
            [photo_id],
        )
        return [self._stored_face(row) for row in rows]

    @staticmethod
    def _stored_face(row: tuple[Any, ...]) -> StoredFace:
        landmarks = {k: [tuple(p) for p in v] for k, v in json.loads(row[10]).items()}
        return StoredFace(
            id=int(row[0]),
            photo_id=int(row[1]),
            subject_id=row[2],
            subject=row[3],
            photo_path=row[4],
            photo_sha256=row[5],
            box=FaceBox(top=row[6], right=row[7], bottom=row[8], left=row[9]),
            landmarks=landmarks,
            quality=Quality.from_dict(json.loads(row[11])),
            engine=row[12],
            engine_version=row[13],
        )

    def face_thumbnail(self, face_id: int) -> bytes | None:
        row = self.db.execute("SELECT thumbnail FROM faces WHERE id = ?", [face_id]).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def subject_thumbnail(self, subject_id: int) -> bytes | None:
        """The sharpest-looking enrolled face of a subject (largest face, as a proxy)."""
        row = self.db.execute(
            """SELECT thumbnail FROM faces WHERE subject_id = ?
            ORDER BY (bottom - top) * (right - "left") DESC LIMIT 1""",
            [subject_id],
        ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def assign_face(self, face_id: int, subject_id: int | None, *, actor: str = "") -> None:
        """Enrol an unassigned face (e.g. one face of a group photo) as a subject, or unassign
        it (audited)."""

        with self.transaction():
            self.db.execute("UPDATE faces SET subject_id = ? WHERE id = ?", [subject_id, face_id])
            row = self.db.execute(
                """SELECT s.name, p.sha256 FROM faces f JOIN photos p ON p.id = f.photo_id
                LEFT JOIN subjects s ON s.id = f.subject_id WHERE f.id = ?""",
                [face_id],
            ).fetchone()
            kind = FaceEnrolled if subject_id is not None else FaceUnassigned
            event = kind(
                face_id=face_id, subject=row[0] if row else None, photo_sha256=row[1] if row else ""
            )
            append_event(self, event, actor=actor or os_user())

    def embedding_matrix(self) -> EmbeddingMatrix:
        """All enrolled embeddings as a float32 matrix, cached per store file and generation so
        repeated searches do not re-read the table. A large store's matrix comes from its
        vector file (gallery/vectors.py) when the file agrees with the store in every check,
        and the file is written again whenever it does not."""
        generation = self.generation()
        store_id = str(self._one("SELECT value FROM meta WHERE key = 'store_id'"))
        key = f"{self.path}#{store_id}"
        with self._matrix_lock:
            cached = self._matrix_cache.get(key)
            if cached is not None and cached.generation == generation:
                return cached
        count = self._one("SELECT COUNT(*) FROM faces WHERE subject_id IS NOT NULL")
        matrix = self._matrix_from_file(store_id, generation, count)
        if matrix is None:
            matrix = self._matrix_from_rows(generation)
            if count >= vectors.MIN_ROWS and len(matrix.face_ids) == count:
                try:
                    vectors.write(
                        vectors.vectors_path(self.path),
                        store_id=store_id,
                        generation=generation,
                        face_ids=matrix.face_ids,
                        vectors=matrix.vectors,
                    )
                except OSError as exc:  # a read-only folder: searches still work, slower
                    log.warning("vector file not written beside %s: %s", self.path, exc)
        with self._matrix_lock:
            self._matrix_cache[key] = matrix
        return matrix

    def _matrix_from_rows(self, generation: int) -> EmbeddingMatrix:
        rows = self.db.execute(
            "SELECT id, embedding FROM faces WHERE subject_id IS NOT NULL ORDER BY id"
        ).fetchall()
        face_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        blob = b"".join(r[1] for r in rows)
        vectors = np.frombuffer(blob, dtype=np.float32).reshape(len(rows), EMBEDDING_DIM)
        return EmbeddingMatrix.build(generation, face_ids, vectors)

    def _matrix_from_file(
        self, store_id: str, generation: int, count: int
    ) -> EmbeddingMatrix | None:
        """The vector file's matrix if it agrees with the store: header and checksum
        (vectors.read), then the store's own face ids (sum, least, greatest; the file's in
        increasing order), then a sample of rows, byte for byte."""
        if count < vectors.MIN_ROWS:
            return None
        path = vectors.vectors_path(self.path)
        stored = vectors.read(
            path, store_id=store_id, generation=generation, rows=count, dim=EMBEDDING_DIM
        )
        if stored is None:
            return None
        # The store's ids summed in SQLite (fetching 1M ids into Python took 0.4 s): with the
        # count, generation and sampled rows, a file naming other faces does not pass.
        total, least, greatest = self.db.execute(
            "SELECT SUM(id), MIN(id), MAX(id) FROM faces WHERE subject_id IS NOT NULL"
        ).fetchone()
        ids = stored.face_ids
        if (int(ids.sum()), int(ids.min()), int(ids.max())) != (total, least, greatest) or (
            count > 1 and not bool(np.all(ids[1:] > ids[:-1]))
        ):
            log.warning("vector file %s names other faces than the store: rebuilt", path)
            return None
        picks = np.linspace(0, count - 1, vectors.SAMPLE_ROWS).astype(np.int64)
        wanted = [int(stored.face_ids[i]) for i in picks]
        marks = ",".join("?" * len(wanted))
        found = dict(
            self.db.execute(f"SELECT id, embedding FROM faces WHERE id IN ({marks})", wanted)
        )
        for position, face_id in zip(picks, wanted, strict=True):
            if found.get(face_id) != stored.vectors[position].tobytes():
                log.warning("vector file %s holds other embeddings than the store: rebuilt", path)
                return None
        return EmbeddingMatrix.build(generation, stored.face_ids, stored.vectors)
