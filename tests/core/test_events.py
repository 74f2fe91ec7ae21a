"""Audit event kinds as an enum with one dataclass each: every kind has its class, and every
event the product writes is exactly what its class says (no stray or missing key).

The second test drives the officer's operations (core/workflow.py) on a real store, real photos
and a real clip, then reads every stored event back through its class: an event whose stored
data has a key its class does not declare, or lacks one, fails the round trip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rekog_desktop.core import workflow
from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import EVENT_CLASSES, KEY, Event, EventKind
from rekog_desktop.core.cases.users import UserError, set_password, set_role, sign_in
from rekog_desktop.core.clusters.regroup import NOT_SAME
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.core.video.scan import VideoSettings
from tests.conftest import officer, password_of

T = TypeVar("T")


def _run(steps: Generator[Any, None, T]) -> T:
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def _rebuilt(event: trail.AuditEvent) -> Event:
    """The stored event read back through its class (stored keys mapped to field names)."""
    cls = EVENT_CLASSES[EventKind(event.event_type)]
    names = {f.metadata.get(KEY, f.name): f.name for f in dataclasses.fields(cls)}
    stray = set(event.data) - set(names)
    assert not stray, f"{event.event_type} stores keys its class does not declare: {stray}"
    return cls(**{names[key]: value for key, value in event.data.items()})


def test_every_kind_has_one_class() -> None:
    assert set(EVENT_CLASSES) == set(EventKind)
    for kind, cls in EVENT_CLASSES.items():
        assert cls.kind is kind
        assert dataclasses.is_dataclass(cls)


def test_an_event_keeps_its_stored_keys() -> None:
    from rekog_desktop.core.audit.events import PolicyChanged, UserCreated, VideoScanned

    assert PolicyChanged(old={"a": 1}, new={"a": 2}).data() == {"from": {"a": 1}, "to": {"a": 2}}
    # Optional keys older events never had are left out when empty, kept when set.
    assert "first_user" not in UserCreated(name="x", role="analyst", password=True).data()
    assert UserCreated(name="x", role="analyst", password=True, first_user=True).data()[
        "first_user"
    ]
    scan = VideoScanned(
        probe_path="c.mp4",
        probe_sha256="00",
        duration_s=1.0,
        every_s=0.5,
        sampled_frames=2,
        tracks=0,
        search_ids=[],
        message="",
    )
    assert "reranked" not in scan.data()


def test_every_event_written_matches_its_class(
    tmp_path: Path, faces_dir: Path, data_dir: Path
) -> None:
    store = GalleryStore(tmp_path / "g.sqlite")
    chief = officer(store)
    analyst = officer(store, "analyst_a", "analyst")
    reviewer = officer(store, "reviewer_b", "reviewer")
    set_role(store, chief, "reviewer_b", "reviewer")
    set_password(store, chief, "analyst_a", password_of("analyst_a"))
    with pytest.raises(UserError):
        sign_in(store, "analyst_a", lambda _p: "wrong")
    workflow.set_policy(store, chief, retention_days=0)

    folders = [faces_dir / "kit_harington", faces_dir / "joe_biden", faces_dir / "_group"]
    _run(workflow.import_into_gallery(store, chief, folders[:2], subject_from_folder=True))
    _run(workflow.import_into_gallery(store, chief, [folders[2]], subject="Group photo"))
    number = "2026-0100"
    workflow.open_new_case(store, analyst, number=number, title="t", purpose="p", legal_basis="b")
    probe = sorted((faces_dir / "kit_harington").iterdir())[0]
    found = _run(
        workflow.search_probe(store, analyst, probe, case_number=number, settings=SearchSettings())
    )
    _run(
        workflow.search_probe(
            store,
            analyst,
            faces_dir / "_noface" / "dogs.jpg",
            case_number=number,
            settings=SearchSettings(),
        )
    )
    clip = data_dir / "video" / "short_hamilton_clip.mp4"
    _run(
        workflow.scan_clip(
            store,
            analyst,
            clip,
            case_number=number,
            settings=SearchSettings(),
            video=VideoSettings(every_s=1.0, scan_every_s=2.0),
        )
    )
    material = [faces_dir / "kit_harington", faces_dir / "joe_biden"]
    run = _run(workflow.cluster_material(store, analyst, material, case_number=number)).run
    assert len(run.clusters) >= 2
    workflow.edit_clusters(
        store, analyst, number, kind=NOT_SAME, side_a=["1"], side_b=["2"], reason="different"
    )
    workflow.undo_cluster_edit(store, analyst, number)
    search_id = found.recorded[0]
    workflow.view_candidate(store, analyst, search_id, 1)
    decision = workflow.decide(store, analyst, search_id, 1, "accept", "same ear shape")
    workflow.verify(store, reviewer, decision.id, "confirm", "")
    workflow.add_note(store, analyst, number, "a note")
    workflow.export_case(store, analyst, number, tmp_path / "notes.pdf")

    group_face = store.db.execute(
        "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.subject_id IS NULL"
    ).fetchone()
    assert group_face is not None
    workflow.assign_face(store, chief, int(group_face[0]), "Someone in a crowd")
    store.assign_face(int(group_face[0]), None, actor=chief.name)
    photo_id = store.db.execute("SELECT min(id) FROM photos").fetchone()[0]
    workflow.delete_photo(store, chief, int(photo_id), "imported in error")
    workflow.delete_subject_named(store, chief, "joe_biden", "not part of this gallery")
    workflow.close_case(store, analyst, number)
    workflow.purge_case(store, chief, number, "retention period over")

    events = trail.list_events(store)
    written = {EventKind(e.event_type) for e in events}
    assert written == set(EventKind), f"kinds this test did not write: {set(EventKind) - written}"
    for event in events:
        assert _rebuilt(event).data() == event.data, event.event_type
    assert trail.verify_chain(store).ok
    store.close()
