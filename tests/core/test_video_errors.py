"""Clips that cannot be used give one plain reason, and nothing reaches the store."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import cv2
import pytest

from rekog_desktop.core.common.errors import UnsupportedVideo
from rekog_desktop.core.common.steps import finish
from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.video.reader import probe_video
from rekog_desktop.core.video.scan import scan_video


@pytest.fixture(scope="module")
def hamilton(data_dir: Path) -> Path:
    clip = data_dir / "video" / "short_hamilton_clip.mp4"
    if not clip.is_file():
        pytest.skip(f"shared clip not found at {clip}")
    return clip


def _truncated_mp4(tmp: Path, clip: Path) -> Path:
    target = tmp / "truncated.mp4"
    target.write_bytes(clip.read_bytes()[:300_000])
    return target


def _text(tmp: Path, clip: Path) -> Path:
    target = tmp / "notes.mp4"
    target.write_text("Witness statement, typed up. Not a video.\n")
    return target


def _empty(tmp: Path, clip: Path) -> Path:
    target = tmp / "empty.mp4"
    target.write_bytes(b"")
    return target


def _audio_only(tmp: Path, clip: Path) -> Path:
    target = tmp / "call.wav"
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000)
    renamed = target.with_suffix(".mp4")
    target.rename(renamed)
    return renamed


def _still_image(tmp: Path, clip: Path) -> Path:
    photo = next((clip.parent.parent / "faces" / "barack_obama").glob("*.jpg"))
    target = tmp / "photo.mp4"
    target.write_bytes(photo.read_bytes())
    return target


def _random_bytes(tmp: Path, clip: Path) -> Path:
    target = tmp / "noise.mp4"
    target.write_bytes(bytes(range(256)) * 64)
    return target


def _missing(tmp: Path, clip: Path) -> Path:
    return tmp / "not-there.mp4"


def _folder(tmp: Path, clip: Path) -> Path:
    target = tmp / "clips.mp4"
    target.mkdir()
    return target


CASES: list[tuple[Callable[[Path, Path], Path], str]] = [
    (_truncated_mp4, "damaged or incomplete"),
    (_text, "text file, not a video"),
    (_empty, "empty file"),
    (_audio_only, "audio only"),
    (_still_image, "still image"),
    (_random_bytes, "not a video file"),
    (_missing, "file not found"),
    (_folder, "is a folder"),
]


@pytest.mark.parametrize(("make", "reason"), CASES, ids=[m.__name__[1:] for m, _ in CASES])
def test_unusable_file_gives_a_plain_reason(
    make: Callable[[Path, Path], Path], reason: str, tmp_path: Path, hamilton: Path
) -> None:
    path = make(tmp_path, hamilton)
    with pytest.raises(UnsupportedVideo) as caught:
        probe_video(path)
    assert reason in caught.value.reason
    assert caught.value.path == str(path)


def test_stream_cut_mid_way_is_reported_as_truncated(
    tmp_path: Path, hamilton: Path, fresh_store: GalleryStore
) -> None:
    """An AVI has its header first, so half a file opens and decodes half its frames: the scan
    must say the clip is truncated, not hand back a result that looks whole."""
    whole = tmp_path / "clip.avi"
    source = cv2.VideoCapture(str(hamilton))
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 180))
    for _ in range(40):
        ok, frame = source.read()
        assert ok
        writer.write(cv2.resize(frame, (320, 180)))
    writer.release()
    source.release()
    half = tmp_path / "half.avi"
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    before = fresh_store.counts()

    assert probe_video(whole).frame_count == 40
    scan = scan_video(half, create_engine(), store=fresh_store)
    with pytest.raises(UnsupportedVideo, match="truncated"):
        finish(scan)
    assert fresh_store.counts() == before


def test_frames_over_the_pixel_cap_are_refused_before_decoding(tmp_path: Path) -> None:
    """A 9600x5400 clip (52 MP frames) is refused at open with the reason, as photos over
    their cap are; nothing of it is decoded."""
    import numpy as np

    from rekog_desktop.core.video.reader import MAX_FRAME_PIXELS, VideoReader

    path = tmp_path / "huge.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 1.0, (9600, 5400))
    assert writer.isOpened()
    writer.write(np.zeros((5400, 9600, 3), dtype=np.uint8))
    writer.release()
    assert MAX_FRAME_PIXELS < 9600 * 5400
    with pytest.raises(UnsupportedVideo, match="over the safety limit of 40 megapixels"):
        VideoReader(path)
    with pytest.raises(UnsupportedVideo, match="over the safety limit"):
        probe_video(path)
