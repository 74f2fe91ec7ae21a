"""Video probes on the shared real clips: tracks, their candidates, progress, cancel, previews."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rekog_desktop.core.common.steps import finish
from rekog_desktop.core.faces.engine import FaceEngine, create_engine
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.video.reader import VideoReader, probe_video, read_frame
from rekog_desktop.core.video.scan import VideoProgress, VideoResult, scan_video

SUBJECT = "lin_manuel_miranda"


@pytest.fixture(scope="module")
def video_dir(data_dir: Path) -> Path:
    folder = data_dir / "video"
    if not folder.is_dir():
        pytest.skip(f"shared clips not found at {folder}")
    return folder


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return create_engine()


@pytest.fixture(scope="module")
def lin_store(tmp_path_factory: pytest.TempPathFactory, faces_dir: Path) -> Iterator[GalleryStore]:
    """A fresh store with only lin_manuel_miranda enrolled (the clip's reference face)."""
    from tests.conftest import run_import

    store = GalleryStore(tmp_path_factory.mktemp("lin") / "gallery.sqlite")
    summary = run_import(store, [faces_dir / SUBJECT], workers=1)
    assert summary.imported == 1 and summary.faces == 1
    yield store
    store.close()


@pytest.fixture(scope="module")
def hamilton(video_dir: Path, engine: FaceEngine, lin_store: GalleryStore) -> VideoResult:
    return finish(scan_video(video_dir / "short_hamilton_clip.mp4", engine, store=lin_store))


@pytest.fixture(scope="module")
def multi(video_dir: Path, engine: FaceEngine, lin_store: GalleryStore) -> VideoResult:
    return finish(scan_video(video_dir / "multi_face_clip.mp4", engine, store=lin_store))


def test_probe_reads_clip_facts(video_dir: Path) -> None:
    info = probe_video(video_dir / "short_hamilton_clip.mp4")
    assert (info.width, info.height, info.frame_count) == (640, 360, 275)
    assert info.fps == pytest.approx(29.97, abs=0.01)
    assert info.duration_s == pytest.approx(9.18, abs=0.05)
    assert info.rotation_deg == 0 and len(info.sha256) == 64


def test_hamilton_has_a_track_of_the_enrolled_subject(hamilton: VideoResult) -> None:
    firsts = [t.search.candidates[0] for t in hamilton.tracks if t.search and t.search.candidates]
    assert any(c.subject == SUBJECT and c.within_tolerance for c in firsts), firsts


def test_one_person_on_screen_is_one_track(hamilton: VideoResult) -> None:
    """Frames ~85-210 (2.8-7.0 s) show the subject continuously: one track, not one per frame."""
    long = [t for t in hamilton.tracks if t.track.start_s <= 3.1 and t.track.end_s >= 6.9]
    assert len(long) == 1, [(t.track.start_s, t.track.end_s) for t in hamilton.tracks]
    assert long[0].search is not None and long[0].search.candidates[0].subject == SUBJECT
    assert long[0].track.frames >= 12


def test_track_carries_best_shot_for_the_gui(hamilton: VideoResult, video_dir: Path) -> None:
    track = hamilton.tracks[0].track
    assert track.thumbnail_jpeg.startswith(b"\xff\xd8")
    assert 1 <= len(track.shots) <= 3
    assert track.start_s <= track.best.time_s <= track.end_s
    frame = read_frame(video_dir / "short_hamilton_clip.mp4", track.best.frame_index)
    box = track.best.face.box
    assert frame.shape == (360, 640, 3)
    assert 0 <= box.left < box.right <= 640 and 0 <= box.top < box.bottom <= 360


def test_multi_face_clip_gives_several_tracks_not_one_per_frame(multi: VideoResult) -> None:
    detections = sum(t.track.frames for t in multi.tracks)
    assert len(multi.tracks) >= 3
    assert len(multi.tracks) <= detections / 2
    assert max(t.track.frames for t in multi.tracks) >= 8
    # nobody in this clip is enrolled: every candidate list says so rather than inventing a hit
    assert all(t.search is not None and t.search.within_tolerance == 0 for t in multi.tracks)


def test_no_detectable_faces_gives_no_tracks_and_says_so(
    video_dir: Path, engine: FaceEngine, lin_store: GalleryStore
) -> None:
    clip = video_dir / "pedestrians_no_detectable_faces.mp4"
    result = finish(scan_video(clip, engine, store=lin_store))
    assert result.tracks == ()
    assert result.frames_sampled >= 20
    assert result.message.startswith("no face found in")
    assert result.as_dict()["tracks"] == []


def test_progress_counts_frames_and_reports_finished_tracks(
    video_dir: Path, engine: FaceEngine
) -> None:
    scan = scan_video(video_dir / "short_hamilton_clip.mp4", engine)
    steps: list[VideoProgress] = []
    while True:
        try:
            steps.append(next(scan))
        except StopIteration as stop:
            result: VideoResult = stop.value
            break
    done = [s.frames_done for s in steps]
    assert done == sorted(done) and done[-1] == 275
    assert all(s.frames_total == 275 for s in steps)
    reported = [t.track.id for s in steps for t in s.finished]
    assert sorted(reported) == sorted(t.track.id for t in result.tracks)
    assert all(t.search is None for t in result.tracks)  # no store: tracks only


def _open_files(path: Path) -> int:
    target = str(path.resolve())
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == target)


def test_cancel_mid_clip_stops_cleanly(video_dir: Path, engine: FaceEngine) -> None:
    clip = video_dir / "multi_face_clip.mp4"
    threads = threading.active_count()
    scan = scan_video(clip, engine)
    first = next(scan)
    next(scan)
    assert first.frames_done < first.frames_total
    assert _open_files(clip) >= 1
    scan.close()
    assert _open_files(clip) == 0
    assert threading.active_count() == threads
    with pytest.raises(StopIteration):
        next(scan)


def test_samples_follow_clip_time(video_dir: Path) -> None:
    with VideoReader(video_dir / "short_hamilton_clip.mp4") as reader:
        times = [frame.time_s for frame in reader.sample(0.5)]
        assert reader.frames_read == 275
    assert len(times) == 19
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(0.45 <= gap <= 0.55 for gap in gaps), gaps


def test_read_frame_matches_sampled_frame(video_dir: Path) -> None:
    clip = video_dir / "multi_face_clip.mp4"
    with VideoReader(clip) as reader:
        first = next(reader.sample(1.0))
    again = read_frame(clip, 0)
    assert first.index == 0 and (first.pixels == again).all()


@pytest.fixture(scope="module")
def ten_minute_clip(tmp_path_factory: pytest.TempPathFactory, video_dir: Path) -> Path:
    """A 10-minute clip (320x180, 5 fps) made by looping the Hamilton clip, written once."""
    import cv2

    target = tmp_path_factory.mktemp("long") / "ten_minutes.mp4"
    source = cv2.VideoCapture(str(video_dir / "short_hamilton_clip.mp4"))
    frames = []  # every 6th frame: 29.97 fps -> 5 fps keeps the clip's own pace
    for index in range(275):
        ok, frame = source.read()
        if ok and index % 6 == 0:
            frames.append(cv2.resize(frame, (320, 180), interpolation=cv2.INTER_AREA))
    source.release()
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), 5, (320, 180))
    for written in range(10 * 60 * 5):
        writer.write(frames[written % len(frames)])
    writer.release()
    return target


def test_ten_minute_clip_runs_in_bounded_memory(ten_minute_clip: Path, engine: FaceEngine) -> None:
    """Holding every frame would take 3000 x 173 kB = 518 MB; the scan holds one at a time."""
    import tracemalloc

    from rekog_desktop.core.video.scan import VideoSettings

    tracemalloc.start()
    try:
        result = finish(scan_video(ten_minute_clip, engine, settings=VideoSettings(every_s=10.0)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.info.duration_s == pytest.approx(600.0, abs=1.0)
    assert result.frames_decoded == 3000 and result.frames_sampled == 60
    assert result.tracks  # the looped face is found again and again
    assert peak < 40_000_000, f"peak traced memory {peak / 1e6:.0f} MB"


def _sideways_clip(source: Path, target: Path) -> None:
    """Store 4 s of the Hamilton clip turned 90 degrees, with the display matrix a phone writes
    to say "rotate by 90 to show": decoders must turn it back upright."""
    import struct

    import cv2

    capture = cv2.VideoCapture(str(source))
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), 10, (360, 640))
    for index in range(130):
        ok, frame = capture.read()
        assert ok
        if index >= 90:
            writer.write(cv2.rotate(frame, cv2.ROTATE_90_COUNTERCLOCKWISE))
    writer.release()
    capture.release()
    data = bytearray(target.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0 and data[at + 4] == 0  # version 0 track header: matrix 44 bytes after 'tkhd'
    matrix = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    data[at + 44 : at + 80] = matrix
    target.write_bytes(bytes(data))


def test_rotation_metadata_is_applied(
    tmp_path: Path, video_dir: Path, engine: FaceEngine, lin_store: GalleryStore
) -> None:
    clip = tmp_path / "phone.mp4"
    _sideways_clip(video_dir / "short_hamilton_clip.mp4", clip)
    info = probe_video(clip)
    assert info.rotation_deg == 90
    assert (info.width, info.height) == (640, 360)
    assert read_frame(clip, 0).shape == (360, 640, 3)
    result = finish(scan_video(clip, engine, store=lin_store))
    assert [t.search.candidates[0].subject for t in result.tracks if t.search] == [SUBJECT]
    box = result.tracks[0].track.best.face.box
    assert box.right <= 640 and box.bottom <= 360
