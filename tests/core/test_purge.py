"""Case purge after the retention period (`rekog case purge`): refused for an open case, with no
retention period and before it ends; once allowed, the case's snapshots are gone from the store
file's bytes, a receipt is in the trail and `rekog audit verify` still passes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from rekog_desktop.core.cases.cases import close_case, get_case
from rekog_desktop.core.cases.purge import PurgeRefused, _parse_utc, purge_case
from rekog_desktop.core.gallery.store import GalleryStore
from tests.conftest import officer

REKOG = str(Path(sys.executable).with_name("rekog"))
CASE = "2026-0077"


def _rekog(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REKOG, "--db", str(db), *args], capture_output=True, text=True, timeout=600
    )


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


def _store_bytes(db: Path) -> bytes:
    """The store file and its -wal / -shm, as a disk image would hold them."""
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


def _found(secret: bytes, files: bytes) -> bool:
    middle = len(secret) // 2  # past the JPEG header every thumbnail shares
    return secret[middle : middle + 64] in files


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def searched(tmp_path: Path, faces_dir: Path) -> Path:
    """A store with joe_biden (one photo) and barack_obama enrolled, a case in which joe_biden's
    other photo was searched, the top candidate accepted, and a note added."""
    db = tmp_path / "g.sqlite"
    _ok(_rekog(db, "import", str(faces_dir / "joe_biden" / "1.jpg"), "--subject", "joe_biden"))
    _ok(_rekog(db, "import", str(faces_dir / "barack_obama"), "--subject-from-folder"))
    _ok(
        _rekog(
            db,
            *("case", "new", "--number", CASE, "--title", "t", "--purpose", "p"),
            *("--legal-basis", "warrant"),
        )
    )
    found = _ok(
        _rekog(db, "search", str(faces_dir / "joe_biden" / "2.jpg"), "--case", CASE, "--json")
    )
    search_id = json.loads(found.stdout.splitlines()[-1])["faces"][0]["search_id"]
    _ok(
        _rekog(
            db,
            *("decide", "--search", str(search_id), "--rank", "1", "--verdict", "accept"),
            *("--reason", "same mole"),
        )
    )
    _ok(_rekog(db, "case", "note", CASE, "Probe from the till camera"))
    return db


def test_a_purged_case_leaves_no_snapshot_byte_in_the_store_file(searched: Path) -> None:
    db = searched
    (embedding,) = _rows(
        db,
        "SELECT f.embedding FROM faces f JOIN subjects s ON s.id = f.subject_id "
        "WHERE s.name = 'joe_biden'",
    )[0]
    crops = [
        bytes(r[0])  # type: ignore[arg-type]
        for r in _rows(db, "SELECT thumbnail FROM search_candidates WHERE subject = 'joe_biden'")
    ] + [bytes(r[0]) for r in _rows(db, "SELECT probe_thumbnail FROM searches")]  # type: ignore[arg-type]
    assert len(crops) == 2
    pictures = [bytes(r[0]) for r in _rows(db, "SELECT jpeg FROM probe_images")]  # type: ignore[arg-type]
    assert len(pictures) == 1
    crops += pictures
    secrets = [bytes(embedding), *crops]  # type: ignore[arg-type]
    assert all(_found(s, _store_bytes(db)) for s in secrets)  # the control: they are there

    erased = _ok(_rekog(db, "subject", "delete", "joe_biden", "--reason", "enrolled in error"))
    assert erased.returncode == 0
    (receipt,) = _rows(db, "SELECT data FROM audit WHERE event_type = 'subject_deleted'")[0]
    data = json.loads(str(receipt))
    assert "until the case is purged" in data["case_records"]
    assert data["case_snapshots_kept"] == 1 and data["cases_keeping_snapshots"] == 1
    files = _store_bytes(db)
    assert not _found(secrets[0], files)  # the gallery's embedding is gone ...
    assert all(_found(c, files) for c in crops)  # ... the case keeps what the officer saw

    _refused(_rekog(db, "case", "purge", CASE, "--reason", "retention"), "is open")
    _ok(_rekog(db, "case", "close", CASE))
    _refused(_rekog(db, "case", "purge", CASE, "--reason", "retention"), "no retention period")
    _ok(_rekog(db, "store", "policy", "--retention-days", "30"))
    _refused(_rekog(db, "case", "purge", CASE, "--reason", "retention"), "can be purged from")
    _refused(_rekog(db, "case", "purge", CASE, "--reason", " "), "needs a reason")
    assert all(_found(c, _store_bytes(db)) for c in crops)  # refusals removed nothing

    _ok(_rekog(db, "store", "policy", "--retention-days", "0"))
    purged = json.loads(
        _ok(_rekog(db, "case", "purge", CASE, "--reason", "retention ended", "--json")).stdout
    )
    assert purged["counts"] == {
        "searches": 1,
        "candidates": purged["counts"]["candidates"],
        "face_crops": purged["counts"]["candidates"] + 1,
        "decisions": 1,
        "verifications": 0,
        "notes": 1,
        "probe_pictures": 1,
    }
    files = _store_bytes(db)
    for secret in secrets:
        assert not _found(secret, files)
    for table in ("searches", "search_candidates", "decisions", "case_notes", "probe_images"):
        assert _rows(db, f"SELECT count(*) FROM {table}") == [(0,)], table
    (row,) = _rows(db, "SELECT data, actor FROM audit WHERE event_type = 'case_purged'")
    receipt_data = json.loads(str(row[0]))
    assert receipt_data["reason"] == "retention ended" and receipt_data["note_ids"] == [1]
    assert "Probe from the till camera" not in str(row[0])
    assert len(receipt_data["purged_sha256"]) == 64 and receipt_data["probe_sha256"]
    verify = _rekog(db, "audit", "verify")
    assert verify.returncode == 0, verify.stdout
    listed = _ok(_rekog(db, "case", "list")).stdout
    assert f"{CASE}\tpurged" in listed
    _refused(_rekog(db, "case", "purge", CASE, "--reason", "again"), "already purged")
    _refused(_rekog(db, "case", "note", CASE, "late"), "was purged")
    pdf = db.parent / "notes.pdf"
    _refused(_rekog(db, "export", CASE, "--pdf", str(pdf)), "no case notes to export")
    assert not pdf.exists()


def test_rows_removed_without_a_receipt_are_still_caught(searched: Path) -> None:
    """Marking a case purged with SQL and deleting its rows is not a purge: verify names it."""
    db = searched
    _ok(_rekog(db, "case", "close", CASE))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cases SET purged_utc = 'x'")
        conn.execute("DELETE FROM case_notes")
    result = _rekog(db, "audit", "verify", "--json")
    assert result.returncode == 1 and "was deleted" in json.loads(result.stdout)["problem"]


def test_decisions_and_notes_of_other_cases_stay_append_only(searched: Path) -> None:
    with sqlite3.connect(searched) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM decisions")
    with sqlite3.connect(searched) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE cases SET purged_utc = 'x'")  # an open case cannot be marked


def test_the_retention_period_counts_from_the_closing(searched: Path) -> None:
    with GalleryStore(searched) as store:
        chief = officer(store)
        close_case(store, CASE, actor=chief.name)
        closed = _parse_utc(str(get_case(store, CASE).closed_utc))
        with pytest.raises(PurgeRefused, match="can be purged from"):
            purge_case(
                store,
                CASE,
                actor=chief.name,
                reason="r",
                retention_days=30,
                now=closed + timedelta(days=29, hours=23),
            )
        receipt = purge_case(
            store,
            CASE,
            actor=chief.name,
            reason="r",
            retention_days=30,
            now=closed + timedelta(days=30),
        )
        assert receipt.counts["searches"] == 1 and get_case(store, CASE).is_purged
