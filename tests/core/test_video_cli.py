"""`rekog video` through its installed entry point: JSON shape, case records, plain errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.gallery.store import GalleryStore

REKOG = Path(sys.executable).with_name("rekog")
CASE = "2026-0042"


def rekog(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    assert REKOG.exists(), f"entry point not installed at {REKOG}"
    return subprocess.run(
        [str(REKOG), "--db", str(db), *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, faces_dir: Path) -> Path:
    """A store with lin_manuel_miranda enrolled and an open case, made through the CLI."""
    path = tmp_path_factory.mktemp("cli") / "gallery.sqlite"
    imported = rekog(
        "import", str(faces_dir / "lin_manuel_miranda"), "--subject-from-folder", db=path
    )
    assert imported.returncode == 0, imported.stderr
    opened = rekog(
        "case", "new", "--number", CASE, "--title", "Video test", "--purpose", "testing",
        "--legal-basis", "test fixture", db=path,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    return path


@pytest.fixture(scope="module")
def video_dir(data_dir: Path) -> Path:
    folder = data_dir / "video"
    if not folder.is_dir():
        pytest.skip(f"shared clips not found at {folder}")
    return folder


def test_video_json_lists_tracks_with_candidates_and_records_them(
    db: Path, video_dir: Path
) -> None:
    clip = video_dir / "short_hamilton_clip.mp4"
    result = rekog("video", str(clip), "--case", CASE, "--top", "3", "--json", db=db)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["clip"]["path"] == str(clip.resolve())
    assert len(payload["clip"]["sha256"]) == 64
    assert payload["clip"]["duration_s"] == pytest.approx(9.18, abs=0.05)
    assert payload["clip"]["fps"] == pytest.approx(29.97, abs=0.01)
    tracks = payload["tracks"]
    assert tracks and [t["id"] for t in tracks] == sorted(t["id"] for t in tracks)
    for track in tracks:
        assert track["start_s"] <= track["best_frame_s"] <= track["end_s"]
        assert track["frames"] >= 1 and len(track["box"]) == 4
        assert {"eye_distance_px", "sharpness", "yaw_deg", "warnings"} <= set(track["quality"])
        assert 1 <= len(track["candidates"]) <= 3
        first = track["candidates"][0]
        assert {"rank", "subject", "photo", "distance"} <= set(first) and first["rank"] == 1
    assert any(
        t["candidates"][0]["subject"] == "lin_manuel_miranda"
        and t["candidates"][0]["within_tolerance"]
        for t in tracks
    )
    with GalleryStore(db) as store:
        searches = searches_for_case(store, CASE)
    recorded = {s.id: s for s in searches if s.kind == "video"}
    assert sorted(recorded) == sorted(t["search_id"] for t in tracks)
    one = recorded[tracks[0]["search_id"]]
    assert one.probe_sha256 == payload["clip"]["sha256"]
    assert one.context["start_s"] == tracks[0]["start_s"]
    assert one.context["best_frame"] == tracks[0]["best_frame"]
    assert one.preset == "investigative"
    assert all(c.est_fmr is not None for c in one.candidates)  # video leads carry estimates too


def test_video_strict_preset_marks_by_the_calibrated_threshold(db: Path, video_dir: Path) -> None:
    clip = video_dir / "short_hamilton_clip.mp4"
    result = rekog("video", str(clip), "--case", CASE, "--preset", "strict", "--json", db=db)
    assert result.returncode == 0, result.stderr
    tracks = json.loads(result.stdout)["tracks"]
    assert tracks and all(t["preset"] == "strict" for t in tracks)
    for track in tracks:
        threshold = track["strict_threshold"]
        assert threshold is not None and 0.0 <= track["never_enrolled_match_chance"] <= 0.011
        assert 0.0 < track["fmr_floor"] < 1e-4  # an est_fmr at it is a bound, said in the JSON
        for cand in track["candidates"]:
            assert cand["est_fmr"] is not None
            assert cand["within_tolerance"] == (cand["template_distance"] <= threshold)
    with GalleryStore(db) as store:
        recorded = {s.id: s for s in searches_for_case(store, CASE)}
    assert all(recorded[t["search_id"]].preset == "strict" for t in tracks)


def test_video_without_faces_says_so(db: Path, video_dir: Path) -> None:
    clip = video_dir / "pedestrians_no_detectable_faces.mp4"
    result = rekog("video", str(clip), "--case", CASE, db=db)
    assert result.returncode == 0, result.stderr
    assert "no face found in" in result.stdout


def test_broken_clip_gives_plain_error_and_records_nothing(db: Path, tmp_path: Path) -> None:
    fake = tmp_path / "cctv.mp4"
    fake.write_text("this is not a video\n")
    with GalleryStore(db) as store:
        before = len(searches_for_case(store, CASE))
    as_json = rekog("video", str(fake), "--case", CASE, "--json", db=db)
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout) == {
        "clip": {"path": str(fake)},
        "error": "a text file, not a video",
    }
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    plain = rekog("video", str(empty), "--case", CASE, db=db)
    assert plain.returncode == 2
    assert "empty file" in plain.stderr and "Traceback" not in plain.stderr
    with GalleryStore(db) as store:
        assert len(searches_for_case(store, CASE)) == before


def test_video_needs_a_case(db: Path, video_dir: Path) -> None:
    result = rekog("video", str(video_dir / "short_hamilton_clip.mp4"), db=db)
    assert result.returncode == 2
    assert "--case" in result.stderr
