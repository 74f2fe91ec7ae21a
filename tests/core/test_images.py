"""Image loading fit for an evidence folder: orientation, colour modes, hashes, bad files."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.common.types import FaceBox
from rekog_desktop.core.faces.images import (
    downscale_for_detection,
    face_thumbnail_jpeg,
    load_image,
    to_rgb,
)


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims width x height, with almost no data: a decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n"
    for kind, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(b"\0" * 64)), (b"IEND", b"")):
        data += struct.pack(">I", len(body)) + kind + body
        data += struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    path.write_bytes(data)


def test_sha256_is_of_the_file_bytes(faces_dir: Path) -> None:
    path = faces_dir / "barack_obama" / "1.jpg"
    image = load_image(path)
    assert image.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert image.pixels.dtype == np.uint8
    assert image.pixels.shape == (image.height, image.width, 3)


def test_exif_orientation_is_applied(faces_dir: Path, tmp_path: Path) -> None:
    original = Image.open(faces_dir / "barack_obama" / "1.jpg")
    width, height = original.size
    # Store the pixels rotated and tag them "rotate 90 CW to display", as a phone does.
    rotated = original.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    rotated.save(path, exif=exif, quality=95)
    loaded = load_image(path)
    assert (loaded.width, loaded.height) == (width, height)


@pytest.mark.parametrize(
    "mode", ["RGBA", "P", "L", "LA", "CMYK", "I;16", "I", "F", "1", "YCbCr", "PA"]
)
def test_every_mode_becomes_rgb(mode: str) -> None:
    gradient = np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1))
    rgb = Image.fromarray(np.dstack([gradient] * 3), mode="RGB")
    if mode == "I;16":
        image = Image.fromarray(gradient.astype(np.uint16) * 257)
        assert image.mode == "I;16"
    elif mode == "PA":
        image = rgb.convert("P").convert("PA")
    else:
        image = rgb.convert(mode)
    out = to_rgb(image)
    assert out.mode == "RGB"
    assert out.size == (64, 48)
    if mode not in ("1",):
        # The gradient survives: left is darker than right (16-bit is rescaled, not clipped).
        array = np.asarray(out, dtype=np.int32)
        assert array[:, :8].mean() < array[:, -8:].mean()


def test_transparent_background_becomes_white(faces_dir: Path) -> None:
    image = load_image(faces_dir / "_edgecases" / "obama_rgba_32bit.png")
    assert image.pixels.shape[2] == 3


def _truncated(path: Path, source: Path) -> None:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize(
    ("name", "make", "reason_part"),
    [
        ("empty.jpg", lambda p, s: p.write_bytes(b""), "empty file"),
        ("text.jpg", lambda p, s: p.write_text("not really a photo\n"), "not an image"),
        ("truncated.jpg", _truncated, "truncated"),
        ("bomb.png", lambda p, s: _png_header_only(p, 30000, 30000), "safety limit"),
        (
            "big.png",
            lambda p, s: _png_header_only(p, 12000, 12000),
            "damaged",
        ),  # over MAX_PIXELS: shrunk, not refused; no pixel data
        ("missing.jpg", None, "not found"),
    ],
)
def test_bad_files_raise_with_plain_reason(
    tmp_path: Path, faces_dir: Path, name: str, make: object, reason_part: str
) -> None:
    path = tmp_path / name
    if make is not None:
        make(path, faces_dir / "barack_obama" / "1.jpg")  # type: ignore[operator]
    with pytest.raises(UnreadableImage) as info:
        load_image(path)
    assert reason_part in info.value.reason
    assert info.value.path == str(path)


def test_downscale_maps_back_to_original_pixels() -> None:
    pixels = np.zeros((3000, 2000, 3), dtype=np.uint8)
    small, factor = downscale_for_detection(pixels, 1000)
    assert max(small.shape[:2]) == 1000
    assert factor == pytest.approx(3.0)
    same, one = downscale_for_detection(pixels[:500, :500], 1000)
    assert one == 1.0 and same.shape == (500, 500, 3)


def test_thumbnail_is_a_small_jpeg(faces_dir: Path) -> None:
    image = load_image(faces_dir / "barack_obama" / "1.jpg")
    jpeg = face_thumbnail_jpeg(image.pixels, FaceBox(top=142, right=617, bottom=409, left=349))
    assert jpeg[:2] == b"\xff\xd8"
    thumb = Image.open(__import__("io").BytesIO(jpeg))
    assert max(thumb.size) <= 128
