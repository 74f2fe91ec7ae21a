"""The numpy ResNet gives dlib's own descriptors, so switching it in changes no stored embedding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.faces.engine import EngineSettings, create_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.faces.resnet import ModelFormatError, load_network

#: float32 rounding across 29 layers in another summation order; a dlib descriptor's entries
#: are ~0.1 and two photos of one person differ by ~0.03 per entry.
TOLERANCE = 2e-5

PHOTOS = [
    "barack_obama/1.jpg",
    "joe_biden/1.jpg",
    "kit_harington/1.jpg",
    "_group/obama_and_biden.jpg",
    "_group/selfie_many_people.jpg",
    "_edgecases/obama_240p.jpg",
    "_edgecases/obama_rgba_32bit.png",
]


@pytest.mark.parametrize("mirror", [True, False], ids=["mirror", "no-mirror"])
@pytest.mark.parametrize("align", [68, 5])
def test_numpy_descriptors_equal_dlibs(faces_dir: Path, mirror: bool, align: int) -> None:
    settings = EngineSettings(mirror=mirror, align_landmarks=align)  # type: ignore[arg-type]
    ours = create_engine(settings)
    theirs = create_engine(replace(settings, encoder_backend="dlib"))
    compared = 0
    for name in PHOTOS:
        pixels = load_image(faces_dir / name).pixels
        boxes = ours.detect(pixels)
        for a, b in zip(ours.analyse(pixels, boxes), theirs.analyse(pixels, boxes), strict=True):
            assert np.abs(a.embedding - b.embedding).max() < TOLERANCE, name
            compared += 1
    assert compared >= 10  # the group photos bring several faces each


def test_another_file_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "model.dat"
    bogus.write_bytes(b"\x01\x0dloss_metric_2" + bytes(64))
    with pytest.raises(ModelFormatError):
        load_network(bogus)
