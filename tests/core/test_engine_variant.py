"""A store keeps the engine variant it was built with: later imports and probes use it, a probe
measured with another variant is refused, and the calibration follows the variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from rekog_desktop.core.common.errors import StoreError
from rekog_desktop.core.faces.engine import EngineSettings, create_engine, settings_for_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.calibration import calibrator_for_store
from rekog_desktop.core.scoring.calibration_table import variant_of
from rekog_desktop.core.scoring.search import engine_for_store, search_loaded
from tests.conftest import run_import

FIVE_POINT = EngineSettings(align_landmarks=5, mirror=False)


def test_engine_names_round_trip_to_settings() -> None:
    base = EngineSettings(detect_max_side=800)
    for settings in (FIVE_POINT, EngineSettings(), EngineSettings(mirror=False)):
        name = create_engine(settings).info.name
        back = settings_for_engine(name, base)
        assert (back.align_landmarks, back.mirror) == (settings.align_landmarks, settings.mirror)
        assert back.detect_max_side == 800  # only the variant is taken from the store
    assert settings_for_engine(None, base) is base
    assert variant_of("dlib-resnet-v1/hog/align68/mirror") == "/align68/mirror"
    assert variant_of("dlib-resnet-v1/hog") == ""


def test_a_five_point_store_stays_five_point(fresh_store: GalleryStore, faces_dir: Path) -> None:
    obama = sorted((faces_dir / "barack_obama").iterdir())
    biden = sorted((faces_dir / "joe_biden").iterdir())
    run_import(fresh_store, obama[:-1], subject="barack_obama", settings=FIVE_POINT, workers=1)
    assert fresh_store.engine_name() == "dlib-resnet-v1/hog"
    # a later import with the app's default settings still enrols 5-point embeddings
    run_import(fresh_store, biden, subject="joe_biden", workers=1)
    engines = {row[0] for row in fresh_store.db.execute("SELECT DISTINCT engine FROM faces")}
    assert engines == {"dlib-resnet-v1/hog"}

    probe = load_image(obama[-1])
    with pytest.raises(StoreError, match="built with dlib-resnet-v1/hog"):
        search_loaded(fresh_store, create_engine(), probe)  # default variant: refused
    engine = engine_for_store(fresh_store)
    assert engine.info.name == "dlib-resnet-v1/hog"
    (face,) = search_loaded(fresh_store, engine, probe, top_k=3).faces
    assert face.candidates[0].subject == "barack_obama"
    assert calibrator_for_store(fresh_store).table.meta["engine"]["align_landmarks"] == 5


def test_a_new_store_takes_the_default_variant(tmp_path: Path, faces_dir: Path) -> None:
    with GalleryStore(tmp_path / "new.sqlite") as store:
        assert store.engine_name() is None
        run_import(store, [faces_dir / "kit_harington"], workers=1)
        assert store.engine_name() == create_engine().info.name
        meta = calibrator_for_store(store).table.meta["engine"]
        default = EngineSettings()
        assert (meta["align_landmarks"], meta["mirror"]) == (
            default.align_landmarks,
            default.mirror,
        )
