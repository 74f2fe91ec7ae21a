"""Cases, decisions, peer verification, the audit chain and the PDF case notes, end to end."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from rekog_desktop.core import workflow as flow
from rekog_desktop.core.audit import trail
from rekog_desktop.core.cases.cases import Case, CaseError, add_note, close_case, create_case
from rekog_desktop.core.cases.decisions import record_decision, verify_decision
from rekog_desktop.core.cases.roles import PermissionDenied
from rekog_desktop.core.cases.searches import (
    get_search,
    pending_verifications,
    record_probe_without_face,
    record_search,
    record_view,
    searches_for_case,
)
from rekog_desktop.core.cases.users import UserError, sign_in
from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.case_notes import LEAD_ONLY, export_case_pdf
from rekog_desktop.core.scoring.search import search_loaded
from tests.conftest import officer, password_of


@dataclass
class Workflow:
    store: GalleryStore
    case: Case
    hit_search: int
    empty_search: int


def _search(store: GalleryStore, case: Case, photo: Path, actor: str = "analyst_a") -> int:
    image = load_image(photo)
    result = search_loaded(store, create_engine(), image, top_k=5)
    return record_search(
        store,
        case=case,
        probe=result,
        face_index=0,
        top_k=5,
        tolerance=0.6,
        actor=actor,
        probe_pixels=image.pixels,
    )


@pytest.fixture
def store(gallery_path: Path, tmp_path: Path) -> Iterator[GalleryStore]:
    target = tmp_path / "gallery.sqlite"
    shutil.copy(gallery_path, target)
    with GalleryStore(target) as opened:
        officer(opened, "analyst_a", "analyst")
        officer(opened, "reviewer_b", "reviewer")
        officer(opened, "auditor_c", "auditor")
        yield opened


@pytest.fixture
def workflow(store: GalleryStore, held_out: dict[str, Path], faces_dir: Path) -> Workflow:
    case = create_case(
        store,
        number="2026-0042",
        title="Robbery at the corner shop",
        purpose="Identify the person seen on the till camera",
        legal_basis="Criminal Procedure Act s.12",
        officer="DC Smith",
        actor="analyst_a",
    )
    hit = _search(store, case, held_out["kit_harington"])
    # A face of someone not in the gallery: a search with no candidate within tolerance.
    empty = _search(store, case, faces_dir / "_group" / "voc_2008_001322.jpg")
    record_probe_without_face(
        store,
        case=case,
        probe_path=str(faces_dir / "_noface" / "dogs.jpg"),
        probe_sha256="ab" * 32,
        actor="analyst_a",
    )
    record_view(store, search_id=hit, rank=1, actor="analyst_a")
    record_decision(
        store,
        search_id=hit,
        rank=1,
        verdict="accept",
        reason="Same hairline and ear shape",
        reviewer="analyst_a",
    )
    record_decision(
        store, search_id=hit, rank=2, verdict="reject", reason="Jaw differs", reviewer="analyst_a"
    )
    add_note(store, case.number, "Shop owner gave the footage voluntarily.", author="analyst_a")
    return Workflow(store, case, hit, empty)


def test_search_records_every_candidate_shown(workflow: Workflow) -> None:
    record = get_search(workflow.store, workflow.hit_search)
    assert len(record.candidates) == 5
    assert record.candidates[0].subject == "kit_harington"
    assert record.decisions[1].verdict.value == "accept"
    assert len(record.probe_sha256) == 64
    empty = get_search(workflow.store, workflow.empty_search)
    assert empty.no_match and empty.candidates


def test_chain_verifies_after_full_workflow(workflow: Workflow, tmp_path: Path) -> None:
    decision = workflow.store.db.execute("SELECT id FROM decisions ORDER BY id").fetchone()[0]
    verify_decision(
        workflow.store, decision_id=decision, verdict="confirm", reason="", reviewer="reviewer_b"
    )
    export_case_pdf(workflow.store, workflow.case.number, tmp_path / "n.pdf", actor="reviewer_b")
    status = trail.verify_chain(workflow.store)
    assert status.ok and status.events >= 10
    types = {e.event_type for e in trail.list_events(workflow.store)}
    assert {"import", "case_opened", "search", "candidate_viewed", "decision"} <= types
    assert {"verification", "export", "note_added", "user_created", "probe_without_face"} <= types


def test_audit_rows_refuse_update_and_delete(workflow: Workflow) -> None:
    conn = sqlite3.connect(workflow.store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET actor = 'someone else' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE decisions SET verdict = 'reject'")
    conn.close()


@pytest.mark.parametrize(
    "field", ["created_utc", "actor", "os_user", "case_number", "event_type", "data", "prev_hash"]
)
def test_one_changed_byte_breaks_the_chain_at_that_row(workflow: Workflow, field: str) -> None:
    target = trail.list_events(workflow.store)[4].id
    conn = sqlite3.connect(workflow.store.path)
    conn.execute("DROP TRIGGER audit_no_update")
    value = conn.execute(f"SELECT {field} FROM audit WHERE id = ?", [target]).fetchone()[0]
    value = value or "x"
    changed = value[:-1] + ("0" if value[-1] != "0" else "1")
    conn.execute(f"UPDATE audit SET {field} = ? WHERE id = ?", [changed, target])
    conn.commit()
    conn.close()
    status = trail.verify_chain(workflow.store)
    assert not status.ok
    assert status.first_bad_id == target


def test_deleted_row_is_found(workflow: Workflow) -> None:
    conn = sqlite3.connect(workflow.store.path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE id = 3")
    conn.commit()
    conn.close()
    status = trail.verify_chain(workflow.store)
    assert (status.ok, status.first_bad_id) == (False, 3)


def test_audit_verify_cli_exit_codes(workflow: Workflow) -> None:
    rekog = [str(Path(sys.executable).with_name("rekog")), "--db", str(workflow.store.path)]
    ok = subprocess.run([*rekog, "audit", "verify", "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and '"ok": true' in ok.stdout
    conn = sqlite3.connect(workflow.store.path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET data = replace(data, 'Jaw', 'Jew') WHERE event_type='decision'")
    conn.commit()
    conn.close()
    bad = subprocess.run([*rekog, "audit", "verify", "--json"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert '"ok": false' in bad.stdout and '"first_bad_id": ' in bad.stdout


def test_accept_needs_a_reason(workflow: Workflow) -> None:
    with pytest.raises(CaseError, match="reason"):
        record_decision(
            workflow.store,
            search_id=workflow.hit_search,
            rank=3,
            verdict="accept",
            reason="  ",
            reviewer="analyst_a",
        )


def test_self_verification_is_refused(workflow: Workflow) -> None:
    decision = workflow.store.db.execute("SELECT id FROM decisions ORDER BY id").fetchone()[0]
    with pytest.raises(CaseError, match="own decision"):
        verify_decision(
            workflow.store, decision_id=decision, verdict="confirm", reason="", reviewer="analyst_a"
        )
    with pytest.raises(PermissionDenied, match="auditor"):
        flow.verify(workflow.store, officer(workflow.store, "auditor_c"), decision, "confirm", "")


def test_blind_pairs_hide_decision_and_distance(workflow: Workflow) -> None:
    pairs = pending_verifications(workflow.store, workflow.case.number, reviewer="reviewer_b")
    assert len(pairs) == 1
    fields = set(pairs[0].__dataclass_fields__)
    assert not fields & {"distance", "verdict", "reason", "reviewer"}
    assert pending_verifications(workflow.store, workflow.case.number, reviewer="analyst_a") == []


def test_disputed_pair_shows_as_disputed(workflow: Workflow) -> None:
    decision = workflow.store.db.execute("SELECT id FROM decisions ORDER BY id").fetchone()[0]
    with pytest.raises(CaseError, match="reason"):
        verify_decision(
            workflow.store,
            decision_id=decision,
            verdict="dispute",
            reason="",
            reviewer="reviewer_b",
        )
    verify_decision(
        workflow.store,
        decision_id=decision,
        verdict="dispute",
        reason="Ears differ",
        reviewer="reviewer_b",
    )
    record = get_search(workflow.store, workflow.hit_search)
    assert record.decisions[1].verification_status == "disputed"


def test_rejected_candidate_is_marked_in_later_search(
    workflow: Workflow, held_out: dict[str, Path]
) -> None:
    again = _search(workflow.store, workflow.case, held_out["kit_harington"])
    record = get_search(workflow.store, again)
    rejected = get_search(workflow.store, workflow.hit_search).candidates[1].face_id
    marked = {c.face_id for c in record.candidates if c.previously_rejected}
    assert marked == {rejected}


def test_closed_case_takes_no_search(workflow: Workflow, held_out: dict[str, Path]) -> None:
    close_case(workflow.store, workflow.case.number, actor="analyst_a")
    closed = workflow.store.db.execute("SELECT status FROM cases").fetchone()[0]
    assert closed == "closed"
    from rekog_desktop.core.cases.cases import get_case

    with pytest.raises(CaseError, match="closed"):
        _search(
            workflow.store, get_case(workflow.store, workflow.case.number), held_out["joe_biden"]
        )


def test_case_needs_purpose_and_legal_basis(store: GalleryStore) -> None:
    with pytest.raises(CaseError, match="purpose, legal basis"):
        create_case(
            store, number="X", title="t", purpose="", legal_basis=" ", officer="o", actor="a"
        )


def test_pdf_discloses_everything(workflow: Workflow, tmp_path: Path) -> None:
    pdf_path = tmp_path / "case.pdf"
    result = export_case_pdf(workflow.store, workflow.case.number, pdf_path, actor="analyst_a")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf_path).pages)
    flat = " ".join(text.split())
    assert workflow.case.number in flat
    assert "Criminal Procedure Act s.12" in flat
    for search in searches_for_case(workflow.store, workflow.case.number):
        for cand in search.candidates:
            assert cand.subject in flat
        assert search.probe_sha256[:32] in flat.replace(" ", "")
    assert "Same hairline and ear shape" in flat and "Jaw differs" in flat
    assert "ACCEPT" in flat and "reject" in flat
    assert "NO CANDIDATE WITHIN TOLERANCE" in flat
    assert "searches that found nothing (disclosure)" in flat.lower()
    assert "Shop owner gave the footage voluntarily." in flat
    assert "probe with no face found" in flat.lower() and "dogs.jpg" in flat
    pages = len(PdfReader(pdf_path).pages)
    assert flat.count(LEAD_ONLY) >= pages
    assert f"Page {pages} of {pages}" in flat
    digest = hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    assert result.sha256 == digest
    (export,) = trail.list_events(workflow.store, event_type="export")
    assert export.data["sha256"] == digest


def test_passwords_are_hashed(store: GalleryStore) -> None:
    secret = password_of("auditor_c")
    stored = store.db.execute("SELECT password_hash FROM users WHERE name='auditor_c'").fetchone()
    assert stored[0].startswith("scrypt$") and secret not in stored[0]
    assert sign_in(store, "auditor_c", lambda _p: secret).name == "auditor_c"
    with pytest.raises(UserError, match="wrong password"):
        sign_in(store, "auditor_c", lambda _p: "guess")


def test_pdf_shows_video_track_time_and_timecode(
    workflow: Workflow, held_out: dict[str, Path], tmp_path: Path
) -> None:
    from rekog_desktop.core.cases.searches import record_face_search

    image = load_image(held_out["joe_biden"])
    result = search_loaded(workflow.store, create_engine(), image, top_k=3)
    record_face_search(
        workflow.store,
        case=workflow.case,
        kind="video",
        probe_path="/evidence/cctv.mp4",
        probe_sha256="cd" * 32,
        face_index=7,
        face_search=result.faces[0],
        top_k=3,
        tolerance=0.6,
        actor="analyst_a",
        context={
            "track_id": 7,
            "start_s": 12.5,
            "end_s": 15.25,
            "frames": 12,
            "best_frame": 400,
            "best_frame_s": 13.347,
            "timecode": "00:00:13.347",
        },
    )
    pdf_path = tmp_path / "video.pdf"
    export_case_pdf(workflow.store, workflow.case.number, pdf_path, actor="analyst_a")
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf_path).pages).split())
    assert "video probe, track 7, 12.50-15.25 s" in flat
    assert "frame 400 at 00:00:13.347" in flat
