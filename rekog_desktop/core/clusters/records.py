"""The rows of a case's clustering: its faces, the analyst's edits, and each run's groups.

Callers (core.workflow) hold the transaction and write the audit event beside these rows.
A face is a photo face (`frame` None) or a clip track as one face (`frame`: its best frame,
`frames`: every sampled frame it was found in).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rekog_desktop.core.cases.cases import Case
from rekog_desktop.core.common.clock import utc_now
from rekog_desktop.core.common.types import Embedding, Face, FaceBox, Quality
from rekog_desktop.core.gallery.store import GalleryStore

PHOTO, TRACK = "photo", "track"


@dataclass(frozen=True)
class NewFace:
    """A face of case material before it is stored."""

    kind: str
    path: str
    sha256: str
    frame: int | None
    box: FaceBox
    embedding: Embedding = field(repr=False, compare=False)
    quality: Quality | None = field(default=None, compare=False)
    thumbnail: bytes | None = field(default=None, repr=False, compare=False)
    frames: tuple[int, ...] = ()
    start_s: float | None = None
    end_s: float | None = None

    @property
    def key(self) -> str:
        """Same file, same frame, same box: the same face (a re-run adds nothing)."""
        frame = "" if self.frame is None else str(self.frame)
        return f"{self.sha256}:{frame}:{','.join(map(str, self.box.as_list()))}"


@dataclass(frozen=True)
class CaseFace(NewFace):
    id: int = 0

    def seen_at(self) -> tuple[Hashable, ...]:
        """The moments this face is in: two faces sharing one are two people."""
        if self.kind == PHOTO:
            return ((self.sha256, None),)
        return tuple((self.sha256, f) for f in (self.frames or (self.frame,)))

    def as_face(self) -> Face:
        """As the engine's Face (no landmarks are kept: they are not needed to search)."""
        quality = self.quality or Quality(0.0, 0.0, 0.0, 0.0, 0.0, ("quality not measured",))
        return Face(box=self.box, landmarks={}, embedding=self.embedding, quality=quality)

    def as_dict(self) -> dict[str, Any]:
        """One face of `rekog cluster --json`."""
        return {"path": self.path, "box": self.box.as_list(), "frame": self.frame}


@dataclass(frozen=True)
class ClusterEdit:
    """An analyst's merge, split or "not the same person": `side_a` / `side_b` are face ids."""

    id: int
    kind: str
    side_a: tuple[int, ...]
    side_b: tuple[int, ...]
    reason: str
    actor: str
    created_utc: str
    undone_utc: str | None = None

    @property
    def is_active(self) -> bool:
        return self.undone_utc is None


@dataclass(frozen=True)
class Cluster:
    """One person as the clustering sees them; `number` is its id within its run."""

    number: int
    purity: float
    faces: tuple[CaseFace, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "purity": round(self.purity, 3),
            "faces": [f.as_dict() for f in self.faces],
        }


@dataclass(frozen=True)
class ClusterRun:
    """A clustering of every face of a case, as stored."""

    id: int
    case_number: str
    cut: float
    cause: str
    created_utc: str
    clusters: tuple[Cluster, ...]
    unclustered: tuple[CaseFace, ...]

    def cluster(self, number: int) -> Cluster | None:
        return next((c for c in self.clusters if c.number == number), None)

    def as_dict(self) -> dict[str, Any]:
        """`rekog cluster --json`, exactly the issue's shape."""
        return {
            "clusters": [c.as_dict() for c in self.clusters],
            "unclustered": [f.as_dict() for f in self.unclustered],
        }


def add_faces(store: GalleryStore, case: Case, faces: Iterable[NewFace]) -> int:
    """Store faces not yet in the case (by key); returns how many were new."""
    now = utc_now()
    added = 0
    for face in faces:
        cursor = store.db.execute(
            """INSERT OR IGNORE INTO cluster_faces (case_id, key, kind, media_path, media_sha256,
            frame, box, frames, start_s, end_s, embedding, quality, thumbnail, created_utc)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                case.id,
                face.key,
                face.kind,
                face.path,
                face.sha256,
                face.frame,
                json.dumps(face.box.as_list()),
                json.dumps(list(face.frames)),
                face.start_s,
                face.end_s,
                np.asarray(face.embedding, dtype=np.float32).tobytes(),
                json.dumps(face.quality.as_dict() if face.quality else {}),
                face.thumbnail,
                now,
            ],
        )
        added += cursor.rowcount
    return added


def _quality(text: str) -> Quality | None:
    data = json.loads(text)
    return Quality.from_dict(data) if data else None


def case_faces(store: GalleryStore, case: Case) -> list[CaseFace]:
    rows = store.db.execute(
        """SELECT id, kind, media_path, media_sha256, frame, box, frames, start_s, end_s,
        embedding, quality, thumbnail FROM cluster_faces WHERE case_id = ? ORDER BY id""",
        [case.id],
    ).fetchall()
    return [
        CaseFace(
            id=int(r[0]),
            kind=str(r[1]),
            path=str(r[2]),
            sha256=str(r[3]),
            frame=None if r[4] is None else int(r[4]),
            box=FaceBox.from_list(json.loads(r[5])),
            frames=tuple(int(f) for f in json.loads(r[6])),
            start_s=r[7],
            end_s=r[8],
            embedding=np.frombuffer(r[9], dtype=np.float32).copy(),
            quality=_quality(r[10]),
            thumbnail=r[11],
        )
        for r in rows
    ]


def edits(store: GalleryStore, case: Case) -> list[ClusterEdit]:
    """Every edit of the case's clustering, oldest first (undone ones too)."""
    rows = store.db.execute(
        """SELECT id, kind, side_a, side_b, reason, actor, created_utc, undone_utc
        FROM cluster_edits WHERE case_id = ? ORDER BY id""",
        [case.id],
    ).fetchall()
    return [
        ClusterEdit(
            id=int(r[0]),
            kind=str(r[1]),
            side_a=tuple(json.loads(r[2])),
            side_b=tuple(json.loads(r[3])),
            reason=str(r[4]),
            actor=str(r[5]),
            created_utc=str(r[6]),
            undone_utc=r[7],
        )
        for r in rows
    ]


def add_edit(
    store: GalleryStore,
    case: Case,
    *,
    kind: str,
    side_a: Sequence[int],
    side_b: Sequence[int],
    reason: str,
    actor: str,
) -> int:
    cursor = store.db.execute(
        """INSERT INTO cluster_edits (case_id, kind, side_a, side_b, reason, actor, created_utc)
        VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [
            case.id,
            kind,
            json.dumps(sorted(side_a)),
            json.dumps(sorted(side_b)),
            reason,
            actor,
            utc_now(),
        ],
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


def mark_undone(store: GalleryStore, edit_id: int, *, actor: str) -> None:
    store.db.execute(
        "UPDATE cluster_edits SET undone_utc = ?, undone_by = ? WHERE id = ?",
        [utc_now(), actor, edit_id],
    )


def save_run(
    store: GalleryStore,
    case: Case,
    *,
    groups: Sequence[tuple[Sequence[int], float]],
    unclustered: Sequence[int],
    cut: float,
    cause: str,
    actor: str,
) -> int:
    """Store a run: `groups` are (face ids, purity) in cluster-number order (1, 2, ...)."""
    cursor = store.db.execute(
        "INSERT INTO cluster_runs (case_id, cut, cause, actor, created_utc) VALUES (?, ?, ?, ?, ?)",
        [case.id, cut, cause, actor, utc_now()],
    )
    assert cursor.lastrowid is not None
    run_id = int(cursor.lastrowid)
    rows: list[tuple[int, int, int | None, float | None, int]] = []
    for number, (face_ids, purity) in enumerate(groups, start=1):
        rows.extend((run_id, f, number, purity, k) for k, f in enumerate(face_ids))
    rows.extend((run_id, f, None, None, k) for k, f in enumerate(unclustered))
    store.db.conn.executemany(
        "INSERT INTO cluster_members (run_id, face_id, cluster, purity, position) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    return run_id


def latest_run(store: GalleryStore, case: Case) -> ClusterRun | None:
    """The case's current clustering (its newest run), None before the first."""
    row = store.db.execute(
        "SELECT id FROM cluster_runs WHERE case_id = ? ORDER BY id DESC LIMIT 1", [case.id]
    ).fetchone()
    return None if row is None else load_run(store, case, int(row[0]))


def load_run(store: GalleryStore, case: Case, run_id: int) -> ClusterRun:
    head = store.db.execute(
        "SELECT cut, cause, created_utc FROM cluster_runs WHERE id = ? AND case_id = ?",
        [run_id, case.id],
    ).fetchone()
    faces = {f.id: f for f in case_faces(store, case)}
    members = store.db.execute(
        "SELECT face_id, cluster, purity FROM cluster_members WHERE run_id = ? "
        "ORDER BY cluster IS NULL, cluster, position",
        [run_id],
    ).fetchall()
    grouped: dict[int, list[CaseFace]] = {}
    purities: dict[int, float] = {}
    alone: list[CaseFace] = []
    for face_id, number, purity in members:
        if number is None:
            alone.append(faces[int(face_id)])
        else:
            grouped.setdefault(int(number), []).append(faces[int(face_id)])
            purities[int(number)] = float(purity)
    clusters = tuple(Cluster(n, purities[n], tuple(fs)) for n, fs in sorted(grouped.items()))
    return ClusterRun(
        id=run_id,
        case_number=case.number,
        cut=float(head[0]),
        cause=str(head[1]),
        created_utc=str(head[2]),
        clusters=clusters,
        unclustered=tuple(alone),
    )
