"""LFW pairs parsing, the verification and 1:N metrics, and `rekog eval` on real photos."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rekog_desktop.cli import cli
from rekog_desktop.cli import evaluate as _register  # noqa: F401  (registers `rekog eval`)
from rekog_desktop.core.common.types import FaceBox
from rekog_desktop.evaluation import measures as ev
from rekog_desktop.evaluation.encode import centred_box, nearest_centre

VIEW1 = """2
Ann\t1\t2
Bob 1 3
Ann\t1\tBob\t2
Cy 4 Dee 1
"""

VIEW2 = """2\t1
Ann\t1\t2
Ann\t1\tBob\t2
Bob\t1\t2
Cy\t4\tDee\t1
"""


def test_view1_counts_and_fields() -> None:
    pairs = ev.parse_pairs(VIEW1)
    assert [p.same for p in pairs] == [True, True, False, False]
    assert pairs[1] == ev.Pair("Bob", 1, "Bob", 3, pairs[1].fold)
    assert pairs[3].name2 == "Dee" and pairs[3].index1 == 4


def test_view1_folds_split_each_half_into_tenths() -> None:
    lines = ["100"] + [f"P{i} 1 2" for i in range(100)] + [f"P{i} 1 Q{i} 1" for i in range(100)]
    pairs = ev.parse_pairs("\n".join(lines))
    folds = [p.fold for p in pairs]
    assert sorted(set(folds)) == list(range(10))
    assert all(folds.count(k) == 20 for k in range(10))


def test_view2_folds_come_from_the_file() -> None:
    pairs = ev.parse_pairs(VIEW2)
    assert [(p.fold, p.same) for p in pairs] == [(0, True), (0, False), (1, True), (1, False)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("x\nA 1 2\n", "first line"),
        ("1 2 3\n", "first line"),
        ("2\nA 1 2\nA 1 B 2\n", "4 lines"),
        ("1\nA 1 B 2\nA 1 2\n", "line 2"),
        ("1\nA 1 2\nA x B 2\n", "line 3"),
    ],
)
def test_malformed_pairs_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ev.PairsFormatError, match=message):
        ev.parse_pairs(text)


def test_lfw_image_path_layout(tmp_path: Path) -> None:
    assert ev.lfw_image_path(tmp_path, "Ann_Lee", 7) == tmp_path / "Ann_Lee" / "Ann_Lee_0007.jpg"


def test_accuracy_and_best_threshold() -> None:
    d = [0.2, 0.3, 0.5, 0.55, 0.7, 0.8]
    s = [True, True, True, False, False, False]
    assert ev.accuracy_at(d, s, 0.6) == pytest.approx(5 / 6)
    t = ev.best_threshold(d, s)
    assert 0.5 < t < 0.55
    assert ev.accuracy_at(d, s, t) == 1.0


def test_cross_validation_uses_held_out_folds() -> None:
    rng = np.random.default_rng(0)
    same = np.repeat([True, False], 500)
    d = np.where(same, rng.normal(0.4, 0.06, 1000), rng.normal(0.8, 0.06, 1000))
    folds = np.tile(np.arange(10), 100)
    cv = ev.cv_accuracy(d, same, folds)
    assert len(cv.fold_accuracies) == 10
    assert 0.99 < cv.mean <= 1.0 and cv.std < 0.02
    assert all(0.5 < t < 0.7 for t in cv.thresholds)


def test_tar_at_far_accepts_at_most_the_allowed_impostors() -> None:
    same = np.array([True] * 4 + [False] * 10)
    d = np.array([0.1, 0.3, 0.45, 0.9, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1])
    assert ev.tar_at_far(d, same, 0.1) == pytest.approx(0.75)  # one impostor (0.4) allowed
    assert ev.tar_at_far(d, same, 0.01) == pytest.approx(0.5)  # none: threshold below 0.4
    assert 0.39 < ev.threshold_at_rate([0.4, 0.5], 0.0) < 0.4
    assert ev.threshold_at_rate([], 0.01) == math.inf


def test_open_set_scores_rank_fnir_fpir() -> None:
    e = np.eye(128, dtype=np.float32)
    gallery = ev.Gallery.from_mapping({"a": [e[0]], "b": [e[1], e[2]], "c": [e[3]]})
    assert gallery.subject_names == ("a", "b", "c")
    mated = np.stack([e[0] * 0.9, e[2] * 0.8 + e[3] * 0.3, e[3] * 0.2 + e[1] * 0.1])
    nonmated = np.stack([e[10], e[0] * 0.7 + e[11] * 0.1])
    scores = ev.open_set_scores(gallery, mated, ["a", "b", "a"], nonmated)
    assert scores.mated_rank.tolist() == [1, 1, 3]
    assert scores.rank_hit_rate(1) == pytest.approx(2 / 3)
    assert scores.rank_hit_rate(5) == 1.0
    assert scores.fnir(0.5) == pytest.approx(1 / 3)
    assert scores.fpir(0.5) == pytest.approx(0.5)
    assert scores.fpir(scores.threshold_at_fpir(0.0)) == 0.0


def test_face_nearest_the_centre_is_chosen() -> None:
    big_corner = FaceBox(top=0, right=120, bottom=120, left=0)
    small_centre = FaceBox(top=100, right=150, bottom=150, left=100)
    assert nearest_centre([big_corner, small_centre], 250, 250) == small_centre
    box = centred_box(250, 250)
    assert box.left < 125 < box.right and box.top < 125 < box.bottom


# -- `rekog eval pairs` on real photos ------------------------------------------------------------


def _lfw_layout(faces_dir: Path, root: Path, names: list[str]) -> None:
    """Symlink real identity photos into LFW's ROOT/Name/Name_0001.jpg layout."""
    for name in names:
        (root / name).mkdir(parents=True)
        photos = sorted(p for p in (faces_dir / name).iterdir() if p.is_file())
        for i, photo in enumerate(photos, start=1):
            (root / name / f"{name}_{i:04d}.jpg").symlink_to(photo)


SAME_NAMES = ["barack_obama", "joe_biden", "kit_harington", "john_salley", "john_simm"]
OTHER_NAMES = ["alex_lacamoire", "rose_leslie", "john_savage"]


def _pairs_lines() -> tuple[list[str], list[str]]:
    same = [f"{n}\t1\t2" for n in SAME_NAMES] + ["barack_obama\t3\t4"]
    names = SAME_NAMES + OTHER_NAMES
    different = [f"{a}\t1\t{b}\t2" for a, b in zip(names, names[1:] + names[:1], strict=True)]
    return same, different[:6]


@pytest.fixture
def lfw_root(faces_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "lfw"
    _lfw_layout(faces_dir, root, SAME_NAMES + OTHER_NAMES)
    return root


def _run_pairs(pairs_file: Path, root: Path, cache: Path) -> dict[str, object]:
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "pairs",
            "--pairs",
            str(pairs_file),
            "--root",
            str(root),
            "--cache",
            str(cache),
            "--workers",
            "1",
            "--any-position",  # these are ordinary photos, not LFW's centred crops
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_eval_pairs_view1_on_real_photos(lfw_root: Path, tmp_path: Path) -> None:
    same, different = _pairs_lines()
    pairs_file = tmp_path / "pairs_view1.txt"
    pairs_file.write_text("\n".join([str(len(same)), *same, *different]) + "\n")
    report = _run_pairs(pairs_file, lfw_root, tmp_path / "cache")
    assert report["pairs"] == 12
    images = {p for pair in ev.read_pairs(pairs_file) for p in pair.paths(lfw_root)}
    assert report["images"] == len(images) == 15
    assert report["fallback_images"] == 0 and report["pairs_missing_a_face"] == 0
    assert report["accuracy_at_tolerance"] >= 0.9  # type: ignore[operator]
    distances = report["distances"]
    assert [s for s, _ in distances] == [1] * 6 + [0] * 6  # type: ignore[union-attr]
    assert set(report["tar_at_far"]) == {"0.001", "0.01"}  # type: ignore[arg-type]


def test_eval_pairs_view2_reuses_the_cache(lfw_root: Path, tmp_path: Path) -> None:
    same, different = _pairs_lines()
    body = [*same[:3], *different[:3], *same[3:], *different[3:]]
    pairs_file = tmp_path / "pairs_view2.txt"
    pairs_file.write_text("\n".join(["2\t3", *body]) + "\n")
    first = _run_pairs(pairs_file, lfw_root, tmp_path / "cache")
    assert first["pairs"] == 12
    assert first["cv_accuracy"] is not None and first["cv_accuracy"] >= 0.8  # type: ignore[operator]
    second = _run_pairs(pairs_file, lfw_root, tmp_path / "cache")
    assert second["distances"] == first["distances"]
    assert second["photos_per_s"] is None  # every embedding came from the cache


def test_engine_variants_are_named(faces_dir: Path) -> None:
    from rekog_desktop.core.faces.engine import EngineSettings, create_engine
    from rekog_desktop.core.faces.images import load_image

    pixels = load_image(faces_dir / "john_salley" / "1.jpg").pixels
    plain = create_engine(EngineSettings(mirror=False, align_landmarks=5))
    mirrored = create_engine()  # the default since issue 6: 68-point alignment and mirror
    assert plain.info.name == "dlib-resnet-v1/hog"
    assert mirrored.info.name == "dlib-resnet-v1/hog/align68/mirror"
    a, b = plain.faces(pixels)[0].embedding, mirrored.faces(pixels)[0].embedding
    assert 0.0 < float(np.linalg.norm(a - b)) < 0.3  # same person, a different embedding
