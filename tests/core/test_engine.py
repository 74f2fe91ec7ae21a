"""The engine: boxes found on a downscaled copy map back to original pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from rekog_desktop.core.faces.engine import EngineSettings, create_engine
from rekog_desktop.core.faces.images import load_image


def test_downscaled_detection_maps_boxes_to_original(faces_dir: Path) -> None:
    image = load_image(faces_dir / "barack_obama" / "1.jpg")
    big = np.asarray(Image.fromarray(image.pixels).resize((image.width * 3, image.height * 3)))
    (small_box,) = create_engine(EngineSettings(detect_max_side=0)).detect(image.pixels)
    (big_box,) = create_engine(EngineSettings(detect_max_side=1024)).detect(big)
    expected = small_box.scaled(3)
    inter_w = min(big_box.right, expected.right) - max(big_box.left, expected.left)
    inter_h = min(big_box.bottom, expected.bottom) - max(big_box.top, expected.top)
    inter = max(0, inter_w) * max(0, inter_h)
    iou = inter / (big_box.area + expected.area - inter)
    assert iou > 0.7, (big_box, expected)


def test_faces_have_embeddings_landmarks_and_quality(faces_dir: Path) -> None:
    image = load_image(faces_dir / "joe_biden" / "1.jpg")
    (face,) = create_engine().faces(image.pixels)
    assert face.embedding.shape == (128,) and face.embedding.dtype == np.float32
    assert len(face.landmarks["chin"]) == 17
    assert face.quality.eye_distance_px > 30
    assert not face.quality.warnings


def test_blurred_face_gets_a_warning(faces_dir: Path) -> None:
    image = load_image(faces_dir / "barack_obama" / "1.jpg")
    blurred = np.asarray(Image.fromarray(image.pixels).filter(ImageFilter.GaussianBlur(6)))
    (face,) = create_engine().faces(np.ascontiguousarray(blurred))
    assert any("blurred" in w for w in face.quality.warnings)


def test_small_face_gets_a_warning(faces_dir: Path) -> None:
    (face,) = create_engine().faces(load_image(faces_dir / "_edgecases" / "obama_240p.jpg").pixels)
    assert any("small face" in w for w in face.quality.warnings)
