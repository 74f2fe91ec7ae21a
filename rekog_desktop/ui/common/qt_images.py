"""numpy <-> QImage, the single bridge between core pixels and Qt; safe on worker threads.

QImage (unlike QPixmap) may be built off the GUI thread, so big photos are decoded and shrunk
in workers and only the display-sized QImage crosses to the GUI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from rekog_desktop.core.common.types import RGBImage
from rekog_desktop.core.faces.images import load_image

#: Longest side of a photo as shown in the review and probe views; zooming beyond it shows
#: pixels enlarged, which is what an examiner expects at high zoom anyway.
DISPLAY_MAX_SIDE = 2400


@dataclass(frozen=True)
class DisplayImage:
    """A photo shrunk for the screen; `scale` maps original pixels to display pixels."""

    path: str
    sha256: str
    image: QImage
    width: int
    height: int
    scale: float


def rgb_to_qimage(pixels: RGBImage) -> QImage:
    """Copy an RGB uint8 array into a QImage that owns its memory."""
    array = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_Grayscale8)
    else:
        image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB888)
    return image.copy()


def qimage_to_rgb(image: QImage) -> RGBImage:
    """The pixels of a QImage as an RGB uint8 array (a copy)."""
    converted = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = converted.width(), converted.height()
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8, count=converted.sizeInBytes())
    rows = buffer.reshape(height, converted.bytesPerLine())
    return np.ascontiguousarray(rows[:, : width * 3].reshape(height, width, 3))


def jpeg_to_qimage(data: bytes | None) -> QImage:
    """A stored face thumbnail (small JPEG) as a QImage; a null image when absent or bad."""
    image = QImage()
    if data:
        image.loadFromData(data)
    return image


def shrink(image: QImage, max_side: int) -> tuple[QImage, float]:
    """Scale down so the longest side is at most `max_side`; returns image and factor."""
    longest = max(image.width(), image.height())
    if longest <= max_side or longest == 0:
        return image, 1.0
    factor = max_side / longest
    scaled = image.scaled(
        max(1, round(image.width() * factor)),
        max(1, round(image.height() * factor)),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return scaled, factor


def load_display_image(path: str | Path, *, max_side: int = DISPLAY_MAX_SIDE) -> DisplayImage:
    """Decode a photo (EXIF-upright, size-checked by the core) and shrink it for display.
    Raises UnreadableImage. Run it on a worker: big photos take a while."""
    loaded = load_image(path)
    return display_from_pixels(str(path), loaded.sha256, loaded.pixels, max_side=max_side)


def display_from_pixels(
    path: str, sha256: str, pixels: RGBImage, *, max_side: int = DISPLAY_MAX_SIDE
) -> DisplayImage:
    """Shrink with Pillow before building the QImage, so a 100-MP photo is never copied whole."""
    height, width = pixels.shape[:2]
    small, factor = shrink_pixels(pixels, max_side)
    return DisplayImage(
        path=path,
        sha256=sha256,
        image=rgb_to_qimage(small),
        width=width,
        height=height,
        scale=factor,
    )


def shrink_pixels(pixels: RGBImage, max_side: int) -> tuple[RGBImage, float]:
    """Scale an RGB array down so its longest side is at most `max_side` (factor returned)."""
    height, width = pixels.shape[:2]
    longest = max(height, width)
    if longest <= max_side or longest == 0:
        return pixels, 1.0
    factor = max_side / longest
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    small = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(small), factor
