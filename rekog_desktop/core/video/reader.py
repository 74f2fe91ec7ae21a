"""Video decoding for probes: open a clip safely, read its facts, sample frames, fetch one frame.

- `probe_video(path) -> VideoInfo`: checks the clip decodes and reads its facts (SHA-256,
  duration, fps, frame count, upright size, rotation metadata, codec).
- `VideoReader(path)`: an open clip (a context manager); `reader.sample(every_s)` yields a
  `SampledFrame` (index, time, upright RGB pixels) every `every_s` seconds. Frames in between
  are only grabbed (decoded, not converted), and one frame at a time is held.
- `read_frame(path, frame_index) -> RGBImage`: one upright RGB frame, for a preview that jumps
  to a track's best shot (face boxes of `video_scan` results are in these pixels).

Every failure raises `UnsupportedVideo` with a plain reason: missing, empty, text, still image,
audio only, damaged or truncated (also when decoding stops early), unsupported codec. Rotation
metadata (phones) is applied by OpenCV's auto-orientation, so frames come out upright.

The face pipeline over these frames (tracks, best shots, gallery search) is `video_scan`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rekog_desktop.core.common.errors import UnsupportedVideo
from rekog_desktop.core.common.filenames import displayable
from rekog_desktop.core.common.types import RGBImage
from rekog_desktop.core.faces.images import sha256_file

#: Decoding that stops before this share of the declared frames means a truncated file.
MIN_DECODED_SHARE = 0.98

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_AUDIO_MAGIC = (b"ID3", b"fLaC", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

_UNOPENABLE = {
    "image": "a still image, not a video (search it as an image probe)",
    "audio": "audio only: there is no video stream in this file",
    "text": "a text file, not a video",
    "mp4": "damaged or incomplete video file (truncated copy or download?)",
    "unknown": "not a video file, or a format or codec that cannot be read",
}


#: Largest video frame decoded (8K UHD is 33 MP): photos have MAX_PIXELS, frames have this;
#: a bigger stream is refused at open, before any frame is decoded.
MAX_FRAME_PIXELS = 40_000_000


@dataclass(frozen=True)
class VideoInfo:
    """Facts of a clip; `width` x `height` are of upright frames (after rotation metadata).
    `frame_count` and `duration_s` are 0 when the container does not say."""

    path: str
    sha256: str
    duration_s: float
    fps: float
    frame_count: int
    width: int
    height: int
    rotation_deg: int
    codec: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "duration_s": round(self.duration_s, 3),
            "fps": round(self.fps, 3),
            "frames": self.frame_count,
            "width": self.width,
            "height": self.height,
            "rotation_deg": self.rotation_deg,
            "codec": self.codec,
        }


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its index in the clip, presentation time, upright RGB pixels."""

    index: int
    time_s: float
    pixels: RGBImage


def _quiet_opencv() -> None:
    """Silence FFmpeg's and OpenCV's own console chatter ("moov atom not found"): every failure
    is turned into an UnsupportedVideo with a plain reason instead."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def _sniff(head: bytes) -> str:
    """What the first bytes say the file is: image, audio, text, mp4, or unknown."""
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith(_AUDIO_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WAVE"):
        return "audio"
    if head[4:8] == b"ftyp":
        return "audio" if head[8:12] in (b"M4A ", b"M4B ", b"M4P ") else "mp4"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return "unknown"
        return "text"
    return "unknown"


def _fourcc(value: float) -> str:
    code = int(value) if math.isfinite(value) else 0
    if code <= 0:
        return ""
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ")


class VideoReader:
    """An open clip whose first frame is known to decode. Use as a context manager."""

    def __init__(self, path: str | Path, *, max_pixels: int = MAX_FRAME_PIXELS) -> None:
        """Open a clip; refuse one whose frames are over `max_pixels` before any frame is
        decoded (a 16K frame would take about 1.9 GB decoded)."""
        self.path = str(path)
        file = Path(path)
        if file.is_dir():
            raise UnsupportedVideo(self.path, "is a folder, not a video file")
        try:
            size = file.stat().st_size
            with open(file, "rb") as handle:
                head = handle.read(64)
        except FileNotFoundError:
            raise UnsupportedVideo(self.path, "file not found") from None
        except OSError as exc:
            raise UnsupportedVideo(self.path, f"cannot read file ({exc.strerror or exc})") from None
        if size == 0:
            raise UnsupportedVideo(self.path, "empty file (0 bytes)")
        kind = _sniff(head)
        if kind in ("image", "text"):
            raise UnsupportedVideo(self.path, _UNOPENABLE[kind])
        _quiet_opencv()
        try:
            cap = cv2.VideoCapture(self.path, cv2.CAP_FFMPEG)
            opened = cap.isOpened()
        except cv2.error:
            opened = False
        if not opened:
            raise UnsupportedVideo(self.path, _UNOPENABLE[kind])
        self._cap = cap
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = float(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0)
        self.fps = fps if math.isfinite(fps) and 0 < fps < 1000 else 0.0
        self.frame_count = int(count) if math.isfinite(count) and 0 < count < 1e9 else 0
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        self.rotation_deg = int(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
        self.codec = _fourcc(float(cap.get(cv2.CAP_PROP_FOURCC) or 0.0))
        if self.width * self.height > max_pixels:
            self.close()
            raise UnsupportedVideo(
                self.path,
                f"frames are {self.width}x{self.height} pixels, over the safety limit of "
                f"{max_pixels / 1_000_000:g} megapixels for video frames",
            )
        self.frames_read = 0
        self._first_pending = self._grab()
        if not self._first_pending or self.width <= 0 or self.height <= 0:
            self.close()
            raise UnsupportedVideo(
                self.path, "no frame could be decoded (unsupported codec or damaged file)"
            )

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._cap.release()

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps and self.frame_count else 0.0

    def info(self) -> VideoInfo:
        """The clip's facts, with the SHA-256 of its bytes (read once, streamed)."""
        return VideoInfo(
            path=displayable(Path(self.path).resolve()),
            sha256=sha256_file(self.path),
            duration_s=self.duration_s,
            fps=self.fps,
            frame_count=self.frame_count,
            width=self.width,
            height=self.height,
            rotation_deg=self.rotation_deg,
            codec=self.codec,
        )

    def sample(self, every_s: float) -> Iterator[SampledFrame]:
        """Yield a frame every `every_s` seconds of clip time (the first frame at or after each
        multiple of `every_s`), then raise UnsupportedVideo if decoding stopped early."""
        if every_s <= 0:
            raise ValueError("every_s must be positive")
        epsilon = 1e-3
        time_s = 0.0
        next_sample_s = 0.0
        while self._next():
            time_s = self._time_s(time_s)
            if time_s + epsilon < next_sample_s:
                continue
            next_sample_s = (math.floor(time_s / every_s + epsilon) + 1) * every_s
            pixels = self._retrieve_rgb()
            if pixels is not None:
                yield SampledFrame(index=self.frames_read - 1, time_s=time_s, pixels=pixels)
        self._check_complete()

    def read(self, frame_index: int) -> RGBImage:
        """One frame by index (seeks; for previews, not for sequential reading)."""
        if frame_index < 0 or (self.frame_count and frame_index >= self.frame_count):
            raise UnsupportedVideo(self.path, f"no frame {frame_index} in this clip")
        if frame_index > 0 or not self._first_pending:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, frame_index)
            if not self._grab():
                raise UnsupportedVideo(self.path, f"frame {frame_index} cannot be decoded")
        self._first_pending = False
        pixels = self._retrieve_rgb()
        if pixels is None:
            raise UnsupportedVideo(self.path, f"frame {frame_index} cannot be decoded")
        return pixels

    # -- internals --------------------------------------------------------------------------

    def _grab(self) -> bool:
        try:
            ok = bool(self._cap.grab())
        except cv2.error:
            ok = False
        if ok:
            self.frames_read += 1
        return ok

    def _next(self) -> bool:
        """Advance one frame (decoded, not converted); False at the end or on a decode error."""
        if self._first_pending:
            self._first_pending = False
            return True
        return self._grab()

    def _time_s(self, previous_s: float) -> float:
        """Presentation time of the grabbed frame, falling back to index / fps when the
        container's timestamps are missing or run backwards."""
        position = float(self._cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        fallback = (self.frames_read - 1) / self.fps if self.fps else previous_s
        if not math.isfinite(position) or position < previous_s or position < 0:
            return max(fallback, previous_s)
        return position

    def _retrieve_rgb(self) -> RGBImage | None:
        try:
            ok, bgr = self._cap.retrieve()
        except cv2.error:
            return None
        if not ok or bgr is None or bgr.ndim != 3:
            return None
        return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def _check_complete(self) -> None:
        """Raise if decoding stopped well before the frames the container declares."""
        expected = self.frame_count
        if expected and self.frames_read < expected * MIN_DECODED_SHARE - 2:
            at = self.frames_read / self.fps if self.fps else 0.0
            raise UnsupportedVideo(
                self.path,
                f"damaged or truncated video: decoding stopped at frame {self.frames_read} "
                f"of {expected} ({at:.1f} s of {self.duration_s:.1f} s)",
            )


def probe_video(path: str | Path) -> VideoInfo:
    """Check that a clip decodes and read its facts; raises UnsupportedVideo."""
    with VideoReader(path) as reader:
        return reader.info()


def read_frame(path: str | Path, frame_index: int) -> RGBImage:
    """One upright RGB frame by index (for a preview); raises UnsupportedVideo."""
    with VideoReader(path) as reader:
        return reader.read(frame_index)
