"""The Qt models, checked by Qt's own QAbstractItemModelTester on real store content."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import CASE_NUMBER

from rekog_desktop.core.audit.trail import list_events
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.ui.cases.audit_model import AuditEventModel
from rekog_desktop.ui.gallery.photo_model import PhotoTileModel
from rekog_desktop.ui.gallery.subject_model import SubjectListModel
from rekog_desktop.ui.review.marks import DecisionMark
from rekog_desktop.ui.search import jobs
from rekog_desktop.ui.search.candidates_model import CandidateTableModel
from tests.conftest import officer


def _run(generator):  # type: ignore[no-untyped-def]
    """Drive a job generator to its end in the test thread; returns (yields, result)."""
    steps = []
    while True:
        try:
            steps.append(next(generator))
        except StopIteration as stop:
            return steps, stop.value


def test_subject_model(qtmodeltester, gallery_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = SubjectListModel()
    model.set_snapshot(jobs.load_gallery(gallery_path))
    assert model.rowCount() > 10
    qtmodeltester.check(model)


def test_photo_model_filled_progressively(qtmodeltester, gallery_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = PhotoTileModel()
    qtmodeltester.check(model)
    snapshot = jobs.load_gallery(gallery_path)
    subject = snapshot.subjects[0]
    load_id = model.reset()
    tiles, count = _run(jobs.load_photo_tiles(gallery_path, subject.id))
    for tile in tiles:
        model.append(load_id, tile)
    model.append(load_id - 1, tiles[0])  # a stale load is ignored
    assert model.rowCount() == count == subject.photos
    assert all(not t.image.isNull() for t in tiles)


def test_candidate_model(qtmodeltester, store_copy: Path, held_out: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    with GalleryStore(store_copy) as store:
        by = officer(store)
    _steps, outcome = _run(
        jobs.search_probe(
            store_copy,
            held_out["barack_obama"],
            settings=SearchSettings(top_k=10, tolerance=0.6),
            case_number=CASE_NUMBER,
            by=by,
        )
    )
    model = CandidateTableModel()
    model.set_search(outcome.probe.faces[0], outcome.details)
    qtmodeltester.check(model)
    model.set_decision(1, DecisionMark("accept", "same ear shape", "tester"))
    assert model.decision(1) is not None
    assert model.index(0, 2).data() == "barack_obama"


def test_audit_model(qtmodeltester, gallery_path: Path) -> None:  # type: ignore[no-untyped-def]
    with GalleryStore(gallery_path) as store:
        events = list_events(store)
    model = AuditEventModel()
    model.set_events(events)
    assert model.rowCount() >= 1  # the session import is audited
    qtmodeltester.check(model)
