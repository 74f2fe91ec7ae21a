"""Safe, EXIF-aware image loading for evidence folders; file hashing; face thumbnails."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.common.types import FaceBox, RGBImage

#: Images above this many pixels are refused before decoding (a 30000x30000 PNG header would
#: otherwise ask for 2.7 GB of RAM). 120 MP is above any current phone or DSLR sensor.
MAX_PIXELS = 120_000_000

#: Images above MAX_PIXELS are not refused but decoded shrunk (JPEG: at 1/2, 1/4 or 1/8 scale by
#: the decoder itself; others: decoded, then reduced) to at most MAX_PIXELS, with a notice. Only
#: above this absurd size (a 3 GB decode) is a file refused, in our words.
HARD_MAX_PIXELS = 600_000_000

# Pillow's own guard (a DecompressionBombError with its own wording from 179 MP) would refuse
# before our checks could shrink: the limits above replace it for every image we decode.
Image.MAX_IMAGE_PIXELS = None

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)

_HASH_CHUNK = 1 << 20
#: JPEG quality of stored face thumbnails (see face_thumbnail_jpeg).
THUMBNAIL_QUALITY = 75


@dataclass(frozen=True)
class LoadedImage:
    """Pixels in RGB uint8, upright, plus the SHA-256 of the file bytes they came from."""

    path: str
    sha256: str
    pixels: RGBImage
    width: int
    height: int
    #: Frames or pages in the file (an animated GIF, a multi-page TIFF): only the first is used.
    frames: int = 1
    #: The file's own size when it was over MAX_PIXELS and shrunk to `width` x `height`.
    original_size: tuple[int, int] | None = None

    @property
    def shrink_note(self) -> str:
        if self.original_size is None:
            return ""
        w, h = self.original_size
        return (
            f"very large photo ({w}x{h}, {w * h / 1e6:.0f} MP) shrunk to {self.width}x"
            f"{self.height} for face detection"
        )

    @property
    def frames_note(self) -> str:
        notes = [f"first frame of {self.frames} used" if self.frames > 1 else "", self.shrink_note]
        return "; ".join(n for n in notes if n)


def _ignore_metadata_warnings() -> None:
    """Inside a catch_warnings block: Pillow warns when it skips damaged EXIF or TIFF tags
    ("Corrupt EXIF data", "Tag data larger than file") and goes on without them; the pixels
    are still decoded (or refused with a reason), so the warning is not the officer's to see,
    and where warnings are errors (the tests, `python -W error`) it must not end a batch
    (found by bench/fuzz_loaders.py)."""
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")


def frame_count(data: bytes) -> int:
    """How many frames or pages an image file holds (1 when it cannot say)."""
    try:
        with warnings.catch_warnings():
            _ignore_metadata_warnings()
            with Image.open(io.BytesIO(data)) as image:
                return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # the decode that follows gives the reason for a bad file
        return 1


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, so evidence can be verified against the original later."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def load_image(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Read an image file as upright RGB, refusing anything unsafe with a plain reason.

    The hash is taken over the exact bytes decoded, so the stored SHA-256 matches the pixels.
    """
    path_str = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UnreadableImage(path_str, "file not found") from None
    except IsADirectoryError:
        raise UnreadableImage(path_str, "is a folder, not an image file") from None
    except OSError as exc:
        raise UnreadableImage(path_str, f"cannot read file ({exc.strerror or exc})") from None
    if not data:
        raise UnreadableImage(path_str, "empty file (0 bytes)")
    pixels = decode_image_bytes(data, path_str, max_pixels=max_pixels)
    height, width = pixels.shape[:2]
    original = _stored_size(data)
    return LoadedImage(
        original_size=original if original and original[0] * original[1] > max_pixels else None,
        path=path_str,
        sha256=sha256_bytes(data),
        pixels=pixels,
        width=width,
        height=height,
        frames=frame_count(data),
    )


def decode_image_bytes(data: bytes, label: str, *, max_pixels: int = MAX_PIXELS) -> RGBImage:
    """Decode bytes to an upright RGB uint8 array; `label` names the source in errors."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between MAX_IMAGE_PIXELS and twice that; we check ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            _ignore_metadata_warnings()
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width <= 0 or height <= 0:
                raise UnreadableImage(label, "image has no pixels")
            if width * height > max(HARD_MAX_PIXELS, max_pixels):
                raise UnreadableImage(
                    label,
                    f"image is {width}x{height} pixels ({width * height // 1_000_000} MP), "
                    f"over the safety limit of {HARD_MAX_PIXELS // 1_000_000} megapixels this "
                    "app decodes: shrink it first",
                )
            factor = 1
            while width * height > max_pixels * factor * factor:
                factor *= 2
            if factor > 1:
                # JPEG decodes straight at a fraction of its size; other formats ignore this.
                image.draft("RGB", (-(-width // factor), -(-height // factor)))
            image.load()
            if image.size[0] * image.size[1] > max_pixels:
                image = image.reduce(max(1, -(-image.size[0] // -(-width // factor))))
            upright: Image.Image = ImageOps.exif_transpose(image) or image
            rgb = to_rgb(upright)
    except UnreadableImage:
        raise
    except UnidentifiedImageError:
        raise UnreadableImage(label, "not an image file, or a format that cannot be read") from None
    except Image.DecompressionBombError as exc:
        raise UnreadableImage(label, f"image dimensions exceed the safety limit: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason.lower():
            reason = "file is truncated (incomplete download or copy?)"
        raise UnreadableImage(label, f"damaged image: {reason}") from None
    except MemoryError:
        raise UnreadableImage(label, "image too large to decode in memory") from None
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def _stored_size(data: bytes) -> tuple[int, int] | None:
    """The width and height the file's header states (upright as stored), or None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return (int(image.size[0]), int(image.size[1]))
    except Exception:  # the decode has already said what is wrong with a bad file
        return None


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode (RGBA, P, LA, L, 1, I;16, I, F, CMYK, YCbCr) to 8-bit RGB.

    Transparency is flattened onto white, as a person would see it in a viewer; 16-bit and
    float images are scaled to their own range rather than clipped to black or white.
    """
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        grey = ((array - low) * scale).clip(0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    if mode == "P" or mode == "PA":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def crop_face(pixels: RGBImage, box: FaceBox, *, margin: float = 0.25) -> RGBImage:
    """The face region with a margin around it, clipped to the image."""
    height, width = pixels.shape[:2]
    pad_x = int(box.width * margin)
    pad_y = int(box.height * margin)
    top = max(0, box.top - pad_y)
    bottom = min(height, box.bottom + pad_y)
    left = max(0, box.left - pad_x)
    right = min(width, box.right + pad_x)
    if bottom <= top or right <= left:
        return pixels[0:1, 0:1]
    return pixels[top:bottom, left:right]


def face_thumbnail_jpeg(pixels: RGBImage, box: FaceBox, *, size: int = 128) -> bytes:
    """A small JPEG of the face, kept in the store so the gallery shows faces without the files.

    128 px (the PDF prints it 35 mm wide; the lists show it at 38-72 px), quality 75 with
    optimised Huffman tables: 3.4 KB instead of 5.3 KB at quality 88 on the shared photos, with
    no difference seen side by side at 2x (issue 15 item 5). JPEG, not WebP (2.1 KB), because
    Qt's WebP plugin is not in PySide6-Essentials and fpdf2 embeds JPEG as it is."""
    crop = Image.fromarray(crop_face(pixels, box))
    crop.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def downscale_for_detection(pixels: RGBImage, max_side: int) -> tuple[RGBImage, float]:
    """Shrink so the longest side is at most `max_side`; returns the image and the factor to
    multiply detected coordinates by to get back to original pixels."""
    height, width = pixels.shape[:2]
    longest = max(height, width)
    if max_side <= 0 or longest <= max_side:
        return pixels, 1.0
    factor = max_side / longest
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    small = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(small)), longest / max_side
