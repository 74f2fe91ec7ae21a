"""Video probes in the window: a dropped clip fills the strip of tracks, a track's candidates
are reviewed as for a picture, and a bad clip gives a message, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_helpers import CASE_NUMBER, choose_preset, drop_paths, give_reason

from rekog_desktop.core.cases.decisions import decisions_for_search
from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.gallery.store import GalleryStore


def _clip(data_dir: Path, name: str) -> Path:
    path = data_dir / "video" / name
    if not path.exists():
        pytest.skip(f"{path} is not in the shared data")
    return path


def test_dropped_clip_fills_the_strip_and_a_track_is_reviewed(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, data_dir: Path, held_out: dict[str, Path]
) -> None:
    with GalleryStore(store_copy) as store:
        names = {s.name for s in store.subjects()}
    if "lin_manuel_miranda" not in names:
        pytest.skip("lin_manuel_miranda is not in the session gallery")
    window = make_window(store_copy)
    drop_paths(window.search_page.probe_panel, [_clip(data_dir, "short_hamilton_clip.mp4")])
    assert window.video_panel.isVisible()
    # the clip has its own picture: the probe panel shrinks to its title line (still a drop
    # target), so the candidate list keeps its height
    assert not window.search_page.probe_panel.stack.isVisible()
    qtbot.waitUntil(lambda: window.tracks.rowCount() > 0, timeout=120_000)
    qtbot.waitUntil(lambda: window.video.outcome is not None, timeout=120_000)
    assert window.video.job is None
    # the first track is selected: its candidates are listed, its best shot is previewed
    window.video_panel.select_row(0)
    qtbot.waitUntil(lambda: window.candidates.rowCount() > 0, timeout=10_000)
    assert window.candidates.index(0, 2).data() == "lin_manuel_miranda"
    qtbot.waitUntil(lambda: window.review.probe_display is not None, timeout=20_000)
    assert window.review.probe_face is not None
    assert window.video_panel._box.isVisible()
    # the review works as for a picture: a reject is recorded on the track's search
    qtbot.waitUntil(lambda: window.search.search_id() is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.review.candidate is not None, timeout=10_000)
    search_id = window.search.search_id()
    window.search.decide("reject")
    give_reason(qtbot, window)
    qtbot.waitUntil(lambda: window.candidates.decision(1) is not None, timeout=10_000)
    with GalleryStore(store_copy) as store:
        searches = searches_for_case(store, CASE_NUMBER)
        assert {s.kind for s in searches} == {"video"}
        assert decisions_for_search(store, search_id)[1].verdict.value == "reject"
    # a picture probe afterwards hands the review back to the picture search
    window.open_probe(str(held_out["barack_obama"]))
    assert not window.video.active
    assert window.search_page.probe_panel.stack.isVisible()
    assert window.search.search_id() is None  # no picture search recorded yet
    qtbot.waitUntil(lambda: window.probe.state in ("ready", "error"), timeout=60_000)


def test_preset_change_ranks_the_clips_tracks_again(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, data_dir: Path
) -> None:
    window = make_window(store_copy)
    drop_paths(window.search_page.probe_panel, [_clip(data_dir, "short_hamilton_clip.mp4")])
    qtbot.waitUntil(lambda: window.video.outcome is not None, timeout=120_000)
    window.video_panel.select_row(0)
    qtbot.waitUntil(lambda: window.candidates.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.search.search_id() is not None, timeout=10_000)
    assert window.candidates.search.preset == "investigative"
    tracks = window.tracks.rowCount()

    choose_preset(qtbot, window, "strict")
    assert window.tracks.rowCount() == tracks  # the same tracks, no frame read again
    strict = window.candidates.search
    assert strict.strict_threshold is not None
    for cand in strict.candidates:
        assert cand.within_tolerance == (
            cand.template_distance is not None and cand.template_distance <= strict.strict_threshold
        )
    with GalleryStore(store_copy) as store:
        searches = searches_for_case(store, CASE_NUMBER)
    assert sum(s.preset == "strict" for s in searches) == tracks
    assert sum(s.preset == "investigative" for s in searches) == tracks


def test_settings_changed_mid_scan_and_mid_ranking_all_apply(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, data_dir: Path
) -> None:
    window = make_window(store_copy)
    panel = window.search_page.candidate_panel
    drop_paths(window.search_page.probe_panel, [_clip(data_dir, "short_hamilton_clip.mp4")])
    panel.preset.setCurrentIndex(panel.preset.findData("strict"))  # during the scan
    qtbot.waitUntil(lambda: window.video.outcome is not None, timeout=120_000)
    qtbot.waitUntil(lambda: window.video.job is not None, timeout=10_000)  # ranking again
    panel.top_k.setValue(5)  # during that ranking
    panel.top_k.editingFinished.emit()

    def settled() -> bool:
        outcome = window.video.outcome
        if outcome is None or window.video.job is not None or window.pool.jobs:
            return False
        searches = [t.search for t in outcome.result.tracks if t.search is not None]
        return all(s.preset == "strict" and len(s.candidates) <= 5 for s in searches)

    qtbot.waitUntil(settled, timeout=60_000)


def test_text_file_named_mp4_gives_a_message(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "not_a_clip.mp4"
    fake.write_text("this is not a video\n")
    window = make_window(store_copy)
    drop_paths(window.search_page.probe_panel, [fake])
    qtbot.waitUntil(lambda: window.video.job is None, timeout=30_000)
    text = window.video_panel.status.text()
    assert text.startswith("Cannot use not_a_clip.mp4"), text
    assert window.tracks.rowCount() == 0
    assert window.search.search_id() is None


def test_cancel_stops_the_scan_and_records_nothing(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, data_dir: Path
) -> None:
    window = make_window(store_copy)
    drop_paths(window.search_page.probe_panel, [_clip(data_dir, "short_hamilton_clip.mp4")])
    assert window.video.job is not None
    window.video_panel.cancel_button.click()
    qtbot.waitUntil(lambda: window.video.job is None, timeout=60_000)
    qtbot.waitUntil(lambda: not window.pool.jobs, timeout=60_000)
    assert window.pool.busy_threads == 0
    if window.video.outcome is None:  # the clip is short: the scan may have ended first
        assert window.video_panel.status.text().startswith("Scan cancelled")
        with GalleryStore(store_copy) as store:
            assert searches_for_case(store, CASE_NUMBER) == []
