"""Folders as real disks hold them: names that are not UTF-8, link loops, dangling links,
files that are not images, animated and multi-page images. Nothing crashes a batch, nothing
met is skipped silently, the rest is imported."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REKOG = str(Path(sys.executable).with_name("rekog"))


def _rekog(db: Path, *args: str | bytes) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REKOG, "--db", str(db), *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def awkward(tmp_path: Path, faces_dir: Path) -> Path:
    """A folder tree with a real photo per oddity."""
    root = tmp_path / "seized"
    person = root / "joe_biden"
    person.mkdir(parents=True)
    folders = sorted(p for p in faces_dir.iterdir() if p.is_dir() and not p.name.startswith("_"))
    photos = [sorted(f.iterdir())[0] for f in folders[:3]]
    (person / "plain.jpg").write_bytes(photos[0].read_bytes())
    bad_name = os.fsdecode(os.fsencode(str(person)) + b"/bad_\xff\xfe_name.jpg")
    Path(bad_name).write_bytes(photos[1].read_bytes())
    (person / "loop").symlink_to(root)  # a link back up the tree
    (person / "gone.jpg").symlink_to(person / "nowhere.jpg")  # dangling
    (person / "junk.heic").write_bytes(os.urandom(4096))
    (person / "notes.txt").write_text("not a photo")
    base = Image.open(photos[2]).convert("RGB")
    frames = [base, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), base.rotate(5)]
    frames[0].save(person / "animated.gif", save_all=True, append_images=frames[1:])
    return root


def test_a_hostile_folder_is_imported_and_every_entry_reported(
    awkward: Path, tmp_path: Path
) -> None:
    db = tmp_path / "g.sqlite"
    result = _rekog(db, "import", str(awkward), "--subject-from-folder", "--json")
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr  # done, with some files failed
    summary = json.loads(result.stdout)
    assert summary["imported"] == 3  # plain, the undecodable name, the animated GIF
    failed = {Path(f["path"]).name: f["reason"] for f in summary["failed"]}
    assert "dangling link" in failed["gone.jpg"]
    skipped = {Path(f["path"]).name: f["reason"] for f in summary["skipped"]}
    assert "not an image" in skipped["junk.heic"] and "not an image" in skipped["notes.txt"]
    assert "already walked" in skipped["loop"]
    notes = {Path(n["path"]).name: n["note"] for n in summary["notes"]}
    assert notes["animated.gif"] == "first frame of 3 used"
    with sqlite3.connect(db) as conn:
        names = {r[0]: r[1] for r in conn.execute("SELECT path, path_raw FROM photos")}
    shown = next(p for p in names if "bad_" in p)
    assert shown.endswith("bad_\\xff\\xfe_name.jpg")  # readable, and the bytes kept
    assert names[shown] is not None and bytes(names[shown]).endswith(b"bad_\xff\xfe_name.jpg")
    again = _rekog(db, "import", str(awkward), "--subject-from-folder", "--json")
    assert json.loads(again.stdout)["duplicates"] == 3  # a re-run completes, no duplicate
    verify = _rekog(db, "audit", "verify")
    assert verify.returncode == 0, verify.stdout


def test_a_probe_with_an_undecodable_name_is_searched(awkward: Path, tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    _rekog(db, "import", str(awkward / "joe_biden" / "plain.jpg"), "--subject", "joe_biden")
    opened = _rekog(
        db, "case", "new", "--number", "C1", "--title", "t", "--purpose", "p", "--legal-basis", "b"
    )
    assert opened.returncode == 0, opened.stderr
    probe = os.fsdecode(os.fsencode(str(awkward / "joe_biden")) + b"/bad_\xff\xfe_name.jpg")
    found = _rekog(db, "search", probe, str(awkward / "joe_biden" / "plain.jpg"), "--case", "C1")
    assert found.returncode == 0, found.stderr
    assert "bad_\\xff\\xfe_name.jpg" in found.stdout and "joe_biden" in found.stdout


def test_erasure_removes_the_bytes_from_the_store_file(tmp_path: Path, faces_dir: Path) -> None:
    """`rekog subject delete` leaves no embedding or thumbnail byte anywhere in the file (nor
    its WAL), and a receipt in the trail; a reason is required."""
    db = tmp_path / "g.sqlite"
    for name in ("joe_biden", "barack_obama"):
        done = _rekog(db, "import", str(faces_dir / name), "--subject-from-folder")
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        secrets = [
            bytes(blob)
            for row in conn.execute(
                "SELECT f.embedding, f.thumbnail FROM faces f JOIN subjects s "
                "ON s.id = f.subject_id WHERE s.name = 'joe_biden'"
            )
            for blob in row
        ]
    assert secrets
    refused = _rekog(db, "subject", "delete", "joe_biden")
    assert refused.returncode == 2 and "--reason" in refused.stderr
    erased = _rekog(db, "subject", "delete", "joe_biden", "--reason", "enrolled in error")
    assert erased.returncode == 0, erased.stderr
    files = b"".join(p.read_bytes() for p in tmp_path.glob("g.sqlite*"))
    for secret in secrets:  # a slice past the JPEG header, which every thumbnail shares
        middle = len(secret) // 2
        assert secret[middle : middle + 64] not in files
    with sqlite3.connect(db) as conn:
        (receipt,) = conn.execute(
            "SELECT data FROM audit WHERE event_type = 'subject_deleted'"
        ).fetchone()
    data = json.loads(receipt)
    assert data["subject"] == "joe_biden" and data["reason"] == "enrolled in error"
    assert data["faces"] == len(secrets) // 2 and len(data["photo_sha256"]) >= 1
    assert _rekog(db, "audit", "verify").returncode == 0
