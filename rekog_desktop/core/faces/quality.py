"""Face quality from pixels and landmarks: size, sharpness, light and pose, with plain warnings.

Thresholds are named constants so a reviewer can see, and argue with, every rule.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from rekog_desktop.core.common.types import FaceBox, Point, Quality, RGBImage

#: Inter-eye distance below which the 128-d model's accuracy drops noticeably (ISO/IEC 19794-5
#: asks for 60 px for enrolment; below 30 px faces are barely recognisable to people too).
MIN_EYE_DISTANCE_PX = 30.0
#: Variance of the Laplacian on a 112-px grey face crop; below this, edges are smeared.
MIN_SHARPNESS = 40.0
#: Mean grey level of the face crop.
MIN_BRIGHTNESS = 45.0
MAX_BRIGHTNESS = 215.0
#: Head turn beyond which the frontal-trained model is unreliable.
MAX_YAW_DEG = 30.0
MAX_ROLL_DEG = 30.0

_CROP_SIDE = 112


def assess(pixels: RGBImage, box: FaceBox, landmarks: dict[str, list[Point]]) -> Quality:
    """Measure one face. `landmarks` are the 68-point groups in original pixels."""
    eye_distance = _eye_distance(landmarks)
    grey = _grey_crop(pixels, box)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var()) if grey.size else 0.0
    brightness = float(grey.mean()) if grey.size else 0.0
    yaw, roll = _pose(landmarks)

    warnings: list[str] = []
    if eye_distance < MIN_EYE_DISTANCE_PX:
        warnings.append(
            f"small face: {eye_distance:.0f} px between the eyes "
            f"(at least {MIN_EYE_DISTANCE_PX:.0f} px needed for a reliable comparison)"
        )
    if sharpness < MIN_SHARPNESS:
        warnings.append(f"blurred face (sharpness {sharpness:.0f}, below {MIN_SHARPNESS:.0f})")
    if brightness < MIN_BRIGHTNESS:
        warnings.append(f"face too dark (mean level {brightness:.0f} of 255)")
    elif brightness > MAX_BRIGHTNESS:
        warnings.append(f"face overexposed (mean level {brightness:.0f} of 255)")
    if abs(yaw) > MAX_YAW_DEG:
        warnings.append(f"head turned about {abs(yaw):.0f} degrees from frontal")
    if abs(roll) > MAX_ROLL_DEG:
        warnings.append(f"head tilted about {abs(roll):.0f} degrees")
    return Quality(
        eye_distance_px=eye_distance,
        sharpness=sharpness,
        brightness=brightness,
        yaw_deg=yaw,
        roll_deg=roll,
        warnings=tuple(warnings),
    )


def _centre(points: list[Point]) -> tuple[float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return sum(xs) / len(xs), sum(ys) / len(ys)


def _eye_distance(landmarks: dict[str, list[Point]]) -> float:
    left, right = landmarks.get("left_eye"), landmarks.get("right_eye")
    if not left or not right:
        return 0.0
    (lx, ly), (rx, ry) = _centre(left), _centre(right)
    return math.hypot(rx - lx, ry - ly)


def _pose(landmarks: dict[str, list[Point]]) -> tuple[float, float]:
    """Yaw from where the nose tip sits between the jaw edges; roll from the eye line."""
    chin = landmarks.get("chin")
    nose = landmarks.get("nose_bridge")
    left, right = landmarks.get("left_eye"), landmarks.get("right_eye")
    if not chin or len(chin) < 17 or not nose or not left or not right:
        return 0.0, 0.0
    jaw_left, jaw_right = chin[0][0], chin[16][0]
    span = jaw_right - jaw_left
    nose_x = nose[-1][0]
    yaw = 0.0
    if span > 0:
        offset = (nose_x - jaw_left) / span - 0.5
        yaw = math.degrees(math.asin(max(-1.0, min(1.0, 2.0 * offset))))
    (lx, ly), (rx, ry) = _centre(left), _centre(right)
    roll = math.degrees(math.atan2(ry - ly, rx - lx))
    return yaw, roll


def _grey_crop(pixels: RGBImage, box: FaceBox) -> np.ndarray:
    height, width = pixels.shape[:2]
    inner = box.clipped(width, height)
    if inner.width <= 1 or inner.height <= 1:
        return np.zeros((0, 0), dtype=np.uint8)
    crop = pixels[inner.top : inner.bottom, inner.left : inner.right]
    grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (_CROP_SIDE, _CROP_SIDE), interpolation=cv2.INTER_AREA)
