"""The face engine: detection, landmarks and 128-d embeddings behind a small interface.

The default engine drives dlib directly with the models shipped by `face_recognition_models`
(the same models and calls as `face_recognition`), because `face_recognition` itself loads every
model at import time and quits the process when they are missing.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import numpy as np

from rekog_desktop.core.common.errors import EngineUnavailable
from rekog_desktop.core.common.types import EngineInfo, Face, FaceBox, Point, RGBImage
from rekog_desktop.core.faces import quality, resnet
from rekog_desktop.core.faces.images import downscale_for_detection
from rekog_desktop.core.faces.resnet import Networks

DetectorModel = Literal["hog", "cnn"]
_ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"

_LANDMARK_GROUPS: dict[str, range] = {
    "chin": range(0, 17),
    "left_eyebrow": range(17, 22),
    "right_eyebrow": range(22, 27),
    "nose_bridge": range(27, 31),
    "nose_tip": range(31, 36),
    "left_eye": range(36, 42),
    "right_eye": range(42, 48),
    "top_lip": range(48, 55),
    "bottom_lip": range(54, 60),
}


@dataclass(frozen=True)
class EngineSettings:
    """How faces are found; picklable so import workers in other processes build the same engine.

    `detect_max_side`: images are shrunk to this longest side for detection only (boxes are mapped
    back, embeddings are computed on the original pixels); HOG time grows with pixel count.
    `upsample`: dlib's upsampling passes, each lets the detector see faces half as small.
    `upsample_max_side`: when above 0, upsample only images whose detection copy is at most this
    long (small images are where small faces hide, and upsampling them is cheap).
    `encoder_backend`: see the field.
    `align_landmarks`: the face chip is aligned on dlib's 68 landmarks (default) or on the 5
    that face_recognition uses. `mirror`: average the embedding with that of the mirrored chip
    (two encodings per face). Measured on lfw_dev (bench/accuracy.py, issue 6): 68-point
    alignment costs nothing (the 68 are found for quality anyway) and takes pairs accuracy from
    0.9868 to 0.9895; with the mirror 0.9905, and the 1:N hit rate at a 1% stranger-match rate
    from 0.86-0.90 to 0.91-0.92, for 0.60-0.76x import speed. A store keeps the variant it was
    built with (`settings_for_engine`): embeddings of two variants are not comparable.
    """

    detector: DetectorModel = "hog"
    detect_max_side: int = 1024
    upsample: int = 1
    upsample_max_side: int = 0
    num_jitters: int = 1
    align_landmarks: Literal[5, 68] = 68
    mirror: bool = True
    #: Who runs the ResNet: "numpy" (faces/resnet.py, the same weights and arithmetic, 4-5x
    #: faster than this dlib build) or "dlib" itself; descriptors agree to float32 rounding,
    #: so this is not part of the variant. dlib is used for jittered encodings either way.
    encoder_backend: Literal["numpy", "dlib"] = "numpy"

    @property
    def variant(self) -> str:
        """What makes embeddings comparable: detector aside, the chip alignment and mirror."""
        return ("/align68" if self.align_landmarks == 68 else "") + (
            "/mirror" if self.mirror else ""
        )


def settings_for_engine(engine_name: str | None, base: EngineSettings) -> EngineSettings:
    """`base` with the chip alignment and mirror of the engine that built a store (its faces'
    recorded engine name, e.g. "dlib-resnet-v1/hog/align68/mirror"); `base` itself for an
    empty store. Searching a store with another variant would compare unlike embeddings."""
    if not engine_name:
        return base
    parts = engine_name.split("/")
    align: Literal[5, 68] = 68 if "align68" in parts else 5
    return replace(base, align_landmarks=align, mirror="mirror" in parts)


#: Gallery enrolment: photos filed under a name show one clear face. Upsampling only the small
#: ones found the same faces as upsampling all on the shared photos + 300 lfw_dev photos
#: (389/389) at 47 instead of 83 ms of detection per photo (bench/ingest.py). Probes keep the
#: default (always upsample), since a probe's small face may be the only lead.
ENROL_SETTINGS = EngineSettings(upsample_max_side=800)


class FaceEngine(Protocol):
    """What the rest of the app needs from a face model."""

    @property
    def info(self) -> EngineInfo: ...

    def detect(self, pixels: RGBImage) -> list[FaceBox]: ...

    def analyse(self, pixels: RGBImage, boxes: list[FaceBox]) -> list[Face]: ...

    def faces(self, pixels: RGBImage) -> list[Face]: ...


def _models_dir() -> Path:
    """Locate face_recognition_models' data without importing it (its import needs pkg_resources
    and prints a deprecation warning)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable(
            "face_recognition_models is not installed; run the README's set-up command"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class _DlibModels:
    """The dlib models, loaded once per process on first use."""

    _lock = threading.Lock()
    _loaded: ClassVar[dict[str, Any]] = {}

    @classmethod
    def get(cls, name: str) -> Any:
        with cls._lock:
            if name not in cls._loaded:
                cls._loaded[name] = cls._load(name)
            return cls._loaded[name]

    @staticmethod
    def _load(name: str) -> Any:
        import dlib

        models = _models_dir()
        files = {
            "cnn": "mmod_human_face_detector.dat",
            "pose68": "shape_predictor_68_face_landmarks.dat",
            "pose5": "shape_predictor_5_face_landmarks.dat",
            "encoder": _ENCODER_FILE,
        }
        if name == "hog":
            return dlib.get_frontal_face_detector()
        path = models / files[name]
        if not path.is_file():
            raise EngineUnavailable(f"face model file missing: {path}")
        if name == "cnn":
            return dlib.cnn_face_detection_model_v1(str(path))
        if name.startswith("pose"):
            return dlib.shape_predictor(str(path))
        return dlib.face_recognition_model_v1(str(path))


class DlibEngine:
    """dlib HOG (or CNN) detector, 68-point landmarks, ResNet 128-d embeddings.

    Embeddings are computed exactly as `face_recognition.face_encodings` does (5-point alignment),
    so distances keep their published meaning (0.6 = same person at dlib's LFW operating point).
    """

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()

    @property
    def info(self) -> EngineInfo:
        import dlib

        return EngineInfo(
            name=f"dlib-resnet-v1/{self.settings.detector}{self.settings.variant}",
            version=f"dlib {dlib.__version__}",
        )

    def detect(self, pixels: RGBImage) -> list[FaceBox]:
        """Face boxes in original pixels, found on a copy shrunk to `detect_max_side`."""
        small, factor = downscale_for_detection(pixels, self.settings.detect_max_side)
        height, width = pixels.shape[:2]
        boxes = [box.scaled(factor).clipped(width, height) for box in self._raw_detect(small)]
        return [box for box in boxes if box.width > 1 and box.height > 1]

    def _raw_detect(self, pixels: RGBImage) -> list[FaceBox]:
        upsample = self.settings.upsample
        limit = self.settings.upsample_max_side
        if limit > 0 and max(pixels.shape[:2]) > limit:
            upsample = 0
        if self.settings.detector == "cnn":
            detections = _DlibModels.get("cnn")(pixels, upsample)
            rects = [d.rect for d in detections]
        else:
            rects = list(_DlibModels.get("hog")(pixels, upsample))
        return [
            FaceBox(top=r.top(), right=r.right(), bottom=r.bottom(), left=r.left()) for r in rects
        ]

    def analyse(self, pixels: RGBImage, boxes: list[FaceBox]) -> list[Face]:
        """Landmarks, embedding and quality for each given box, in the same order."""
        import dlib

        pose68 = _DlibModels.get("pose68")
        faces: list[Face] = []
        for box in boxes:
            rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
            shape68 = pose68(pixels, rect)
            # The 5-point model is loaded and run only for stores of the 5-point variant.
            aligned_on = (
                shape68
                if self.settings.align_landmarks == 68
                else _DlibModels.get("pose5")(pixels, rect)
            )
            descriptor = self._describe(pixels, aligned_on)
            points: list[Point] = [(p.x, p.y) for p in shape68.parts()]
            landmarks = {name: [points[i] for i in idx] for name, idx in _LANDMARK_GROUPS.items()}
            faces.append(
                Face(
                    box=box,
                    landmarks=landmarks,
                    embedding=np.asarray(descriptor, dtype=np.float32),
                    quality=quality.assess(pixels, box, landmarks),
                )
            )
        return faces

    def _describe(self, pixels: RGBImage, shape: Any) -> Any:
        """The 128-d descriptor; with `mirror`, the mean of the chip's and its mirror's (both
        chips in one batch)."""
        jitters = self.settings.num_jitters
        numpy_net = self.settings.encoder_backend == "numpy" and jitters == 1
        if not self.settings.mirror and not numpy_net:
            return _DlibModels.get("encoder").compute_face_descriptor(pixels, shape, jitters)
        import dlib

        # The chip dlib's compute_face_descriptor(pixels, shape) cuts itself.
        chip = dlib.get_face_chip(pixels, shape, size=resnet.CHIP_SIZE, padding=0.25)
        chips = [chip, np.ascontiguousarray(chip[:, ::-1])] if self.settings.mirror else [chip]
        if numpy_net:
            described = Networks.get(_models_dir() / _ENCODER_FILE).describe(chips)
            return described.astype(np.float64).mean(axis=0)
        pair = _DlibModels.get("encoder").compute_face_descriptor(chips, jitters)
        return (np.asarray(pair[0]) + np.asarray(pair[1])) / 2.0

    def faces(self, pixels: RGBImage) -> list[Face]:
        """Every face in the image, largest first."""
        boxes = sorted(self.detect(pixels), key=lambda b: b.area, reverse=True)
        return self.analyse(pixels, boxes)


def create_engine(settings: EngineSettings | None = None) -> FaceEngine:
    """The engine the app uses; the one place to plug another model in."""
    return DlibEngine(settings)
