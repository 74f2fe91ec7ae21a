"""Plain value types passed between the core, the CLI and the GUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Embedding = npt.NDArray[np.float32]
RGBImage = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class FaceBox:
    """A face rectangle in original-image pixels (dlib / face_recognition order of sides)."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def as_list(self) -> list[int]:
        return [self.top, self.right, self.bottom, self.left]

    @classmethod
    def from_list(cls, values: list[int] | tuple[int, int, int, int]) -> FaceBox:
        top, right, bottom, left = (int(v) for v in values)
        return cls(top=top, right=right, bottom=bottom, left=left)

    def scaled(self, factor: float) -> FaceBox:
        return FaceBox(
            top=round(self.top * factor),
            right=round(self.right * factor),
            bottom=round(self.bottom * factor),
            left=round(self.left * factor),
        )

    def clipped(self, width: int, height: int) -> FaceBox:
        return FaceBox(
            top=max(0, self.top),
            right=min(width, self.right),
            bottom=min(height, self.bottom),
            left=max(0, self.left),
        )


Point = tuple[int, int]


@dataclass(frozen=True)
class Quality:
    """Measured quality of one face, with plain-language warnings when a measure is poor.

    `eye_distance_px` is the inter-eye distance in original pixels; `sharpness` is the variance of
    the Laplacian on a 112-px face crop; `brightness` the mean grey level 0-255 of the crop;
    `yaw_deg` / `roll_deg` the estimated head turn and tilt.
    """

    eye_distance_px: float
    sharpness: float
    brightness: float
    yaw_deg: float
    roll_deg: float
    warnings: tuple[str, ...] = ()

    @property
    def is_poor(self) -> bool:
        return bool(self.warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "eye_distance_px": round(self.eye_distance_px, 1),
            "sharpness": round(self.sharpness, 1),
            "brightness": round(self.brightness, 1),
            "yaw_deg": round(self.yaw_deg, 1),
            "roll_deg": round(self.roll_deg, 1),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quality:
        return cls(
            eye_distance_px=float(data["eye_distance_px"]),
            sharpness=float(data["sharpness"]),
            brightness=float(data["brightness"]),
            yaw_deg=float(data["yaw_deg"]),
            roll_deg=float(data["roll_deg"]),
            warnings=tuple(data.get("warnings", ())),
        )


@dataclass(frozen=True)
class Face:
    """One detected face: where it is, its landmarks, its embedding and its quality."""

    box: FaceBox
    landmarks: dict[str, list[Point]]
    embedding: Embedding = field(repr=False, compare=False)
    quality: Quality


@dataclass(frozen=True)
class EngineInfo:
    """Which model made an embedding: stored with every face so results stay traceable."""

    name: str
    version: str
