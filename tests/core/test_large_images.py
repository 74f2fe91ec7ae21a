"""Very large photos are shrunk for detection with a notice, not refused; only absurd sizes are
refused, in our own words (never Pillow's "decompression bomb")."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.faces import images
from rekog_desktop.core.faces.images import load_image


def _big_copy(photo: Path, out: Path, scale: int) -> Path:
    with Image.open(photo) as image:
        image.convert("RGB").resize((image.width * scale, image.height * scale)).save(out)
    return out


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_photo_over_the_pixel_limit_is_shrunk_with_a_notice(
    faces_dir: Path, tmp_path: Path, suffix: str
) -> None:
    photo = sorted((faces_dir / "barack_obama").iterdir())[0]
    big = _big_copy(photo, tmp_path / f"big{suffix}", 3)
    with Image.open(big) as image:
        width, height = image.size
    limit = width * height // 5  # the file is 5x over this limit
    loaded = load_image(big, max_pixels=limit)
    assert loaded.original_size == (width, height)
    assert loaded.width * loaded.height <= limit * 1.05
    assert loaded.width < width and loaded.height < height
    assert abs(loaded.width / loaded.height - width / height) < 0.02
    assert "shrunk" in loaded.frames_note and f"{width}x{height}" in loaded.frames_note
    plain = load_image(photo)
    assert plain.original_size is None and "shrunk" not in plain.frames_note


def test_pillows_bomb_guard_no_longer_refuses_a_large_photo(tmp_path: Path) -> None:
    """A 200 MP (grey, cheap) PNG: Pillow alone refuses it above 179 MP."""
    path = tmp_path / "wide.png"
    Image.new("L", (20_000, 10_000), 128).save(path)
    loaded = load_image(path)
    assert loaded.original_size == (20_000, 10_000)
    assert loaded.width * loaded.height <= images.MAX_PIXELS


def _png_header_only(path: Path, width: int, height: int) -> Path:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    return path


def test_an_absurd_size_is_refused_in_our_words(tmp_path: Path) -> None:
    path = _png_header_only(tmp_path / "absurd.png", 40_000, 40_000)
    with pytest.raises(UnreadableImage) as refused:
        load_image(path)
    text = str(refused.value)
    assert "40000x40000" in text and "megapixels" in text
    assert "bomb" not in text.lower() and "DOS" not in text
