"""Importing real photo folders: enrolment, reports, bad files in a batch, resume after a kill."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rekog_desktop.core.gallery.importer import collect_items, import_photos
from rekog_desktop.core.gallery.store import GalleryStore
from tests.conftest import identity_dirs, run_import


def test_every_identity_folder_imports(gallery_path: Path, faces_dir: Path) -> None:
    with GalleryStore(gallery_path) as store:
        subjects = {s.name: s for s in store.subjects()}
    for folder in identity_dirs(faces_dir):
        assert folder.name in subjects, f"{folder.name} was not imported"
        assert subjects[folder.name].faces >= 1, f"{folder.name} has no enrolled face"


def test_no_face_photos_are_reported(fresh_store: GalleryStore, faces_dir: Path) -> None:
    summary = run_import(fresh_store, [faces_dir / "_noface"], subject="nobody")
    assert len(summary.no_face) == len(list((faces_dir / "_noface").iterdir()))
    assert summary.faces == 0
    assert fresh_store.counts()["faces"] == 0


def test_group_photos_yield_several_faces_and_none_enrolled(
    fresh_store: GalleryStore, data_dir: Path
) -> None:
    group = data_dir / "faces" / "_group"
    with open(data_dir / "manifest.csv", newline="") as handle:
        detected = {
            row["file"]: int(row["dlib_hog_faces_upsample1"])
            for row in csv.DictReader(handle)
            if row["file"].startswith("faces/_group/")
        }
    summary = run_import(fresh_store, [group], subject="crowd")
    found = dict(summary.several_faces)
    assert len(found) >= len(detected) - 1
    for path, count in found.items():
        assert count >= 2
        expected = detected[f"faces/_group/{Path(path).name}"]
        assert abs(count - expected) <= 1, (path, count, expected)
    # A group photo filed under one name never enrols a stranger as that subject.
    assert fresh_store.embedding_matrix().vectors.shape[0] == 0
    assert fresh_store.counts()["faces"] == summary.faces > 0


def test_edge_cases_load(fresh_store: GalleryStore, faces_dir: Path) -> None:
    summary = run_import(fresh_store, [faces_dir / "_edgecases"], subject="barack_obama")
    assert not summary.failed
    assert summary.imported == 4
    assert summary.faces >= 3  # partly cropped faces may legitimately be missed


def test_bad_files_are_reported_and_the_batch_goes_on(
    fresh_store: GalleryStore, faces_dir: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(faces_dir / "kit_harington", batch / "kit_harington")
    good = len(list(batch.rglob("*.jpg")))
    (batch / "kit_harington" / "empty.jpg").write_bytes(b"")
    (batch / "kit_harington" / "notes.jpg").write_text("interview notes, not a photo")
    data = (faces_dir / "barack_obama" / "1.jpg").read_bytes()
    (batch / "kit_harington" / "cut.jpg").write_bytes(data[:5000])
    summary = run_import(fresh_store, [batch], subject_from_folder=True, workers=2)
    reasons = {Path(p).name: r for p, r in summary.failed}
    assert set(reasons) == {"empty.jpg", "notes.jpg", "cut.jpg"}
    assert "empty" in reasons["empty.jpg"] and "not an image" in reasons["notes.jpg"]
    assert summary.imported == good


def test_reimport_counts_duplicates(fresh_store: GalleryStore, faces_dir: Path) -> None:
    folder = faces_dir / "joe_biden"
    first = run_import(fresh_store, [folder])
    second = run_import(fresh_store, [folder])
    assert first.imported == 2 and second.imported == 0 and second.duplicates == 2
    assert fresh_store.counts()["photos"] == 2


def test_cancel_keeps_finished_photos(fresh_store: GalleryStore, faces_dir: Path) -> None:
    items = collect_items([faces_dir / "deepface_person_05"], subject_from_folder=True).items
    run = import_photos(fresh_store, items, workers=1)
    statuses = [next(run).status, next(run).status]
    run.close()
    assert statuses == ["started", "imported"]
    assert fresh_store.counts()["photos"] == 1
    assert fresh_store.counts()["faces"] == 1


def test_kill_9_at_several_moments_leaves_every_photo_audited(
    tmp_path: Path, data_dir: Path
) -> None:
    """kill -9 a real `rekog import` (two worker processes) at several moments: every stored
    photo is named by an import event, the chain verifies, the workers end with their parent,
    and a re-run completes the gallery with no duplicate."""
    lfw = data_dir / "lfw_dev"
    if not lfw.is_dir():
        pytest.skip(f"lfw_dev not found in {data_dir}")
    # About 420 photos: the import runs at 25+ photos/s on these small photos, and three kills
    # must each catch it with work left.
    folders = sorted(p for p in lfw.iterdir() if p.is_dir())[:250]
    photos = [p for folder in folders for p in sorted(folder.glob("*.jpg"))]
    db = tmp_path / "g.sqlite"
    rekog = [sys.executable, "-m", "rekog_desktop.cli", "--db", str(db)]
    cmd = [*rekog, "import", *map(str, folders), "--subject-from-folder", "--workers", "2"]
    for extra_seconds in (0.0, 1.3, 2.9):
        before = _photo_count(db)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and _photo_count(db) == before:
                time.sleep(0.05)
            time.sleep(extra_seconds)
            workers = _children(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        assert workers, f"the import had no worker processes to check (kill at +{extra_seconds} s)"
        assert _all_gone(workers, seconds=15), f"workers outlived their parent: {workers}"
        assert before < _photo_count(db) < len(photos), "the import was not caught mid-way"
        _assert_consistent(db)
        _assert_every_photo_audited(db)
        verify = subprocess.run([*rekog, "audit", "verify"], capture_output=True, text=True)
        assert verify.returncode == 0, verify.stdout + verify.stderr

    rerun = subprocess.run([*cmd, "--json"], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    _assert_consistent(db)
    _assert_every_photo_audited(db)
    assert _photo_count(db) == len(photos)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (read from /proc: the test must see real processes)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _all_gone(pids: list[int], *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def _assert_every_photo_audited(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("SELECT sha256 FROM photos")}
        named: set[str] = set()
        for (data,) in conn.execute("SELECT data FROM audit WHERE event_type = 'import'"):
            named.update(f["sha256"] for f in json.loads(data)["files"])
    assert stored - named == set(), f"{len(stored - named)} stored photos no event names"


def _photo_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM photos").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _assert_consistent(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        mismatched = conn.execute(
            """SELECT count(*) FROM photos p
            WHERE p.face_count != (SELECT count(*) FROM faces f WHERE f.photo_id = p.id)"""
        ).fetchone()[0]
        assert mismatched == 0
        dupes = conn.execute("SELECT count(*) - count(DISTINCT sha256) FROM photos").fetchone()[0]
        assert dupes == 0
