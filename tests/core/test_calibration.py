"""Calibration: monotone false-match estimates, gallery-size arithmetic, the strict threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring import calibration as cal
from rekog_desktop.core.scoring import calibration_table as tables
from rekog_desktop.core.scoring.search import FaceSearch, search_image
from tests.conftest import run_import


def test_shipped_table_is_monotone_and_says_how_it_was_built() -> None:
    table = tables.shipped_table()
    assert tables.is_monotone(table.impostor_cdf)
    assert tables.is_monotone(table.genuine_cdf)
    assert "rekog eval calibrate" in table.meta["command"]
    assert table.impostor_comparisons > 100_000
    fmrs = [table.fmr(d) for d in np.linspace(0.0, 1.3, 300)]
    assert tables.is_monotone(fmrs)
    assert 0.0 < fmrs[0] < 1e-5  # never promises zero
    assert table.fmr(0.6) > table.fmr(0.5) > table.fmr(0.4)


def test_built_table_counts_and_floor() -> None:
    table = tables.build_table([0.5, 0.7, 0.9], [0.2, 0.3], step=0.1, max_distance=1.0)
    assert table.impostor_comparisons == 3 and table.genuine_comparisons == 2
    assert table.fmr(0.0) == pytest.approx(1 / 4)  # (0 + 1) / (3 + 1)
    assert table.fmr(0.7) == pytest.approx(3 / 4)
    assert table.tmr(0.3) == 1.0
    again = tables.CalibrationTable.from_json(table.as_json())
    assert again.distances == table.distances and again.fmr(0.7) == pytest.approx(0.75)


def test_gallery_fpir_grows_with_size_and_inverts() -> None:
    assert tables.gallery_fpir(1e-4, 0) == 0.0
    small, large = tables.gallery_fpir(1e-4, 100), tables.gallery_fpir(1e-4, 10_000)
    assert small == pytest.approx(1 - (1 - 1e-4) ** 100)
    assert small < large < 1.0
    fmr = tables.fmr_for_gallery_fpir(0.01, 500, 0.8)
    assert tables.gallery_fpir(fmr, 500, 0.8) == pytest.approx(0.01)


def _calibrator(subjects: int, impostors: np.ndarray | None = None) -> cal.Calibrator:
    rng = np.random.default_rng(subjects)
    templates = cal.unit_rows(rng.normal(size=(subjects, 128)))
    return cal.Calibrator(
        table=tables.shipped_table(),
        subjects=cal.SubjectTemplates(
            subject_ids=np.arange(subjects),
            vectors=templates,
            faces=subjects,
            impostors=np.zeros(0) if impostors is None else np.sort(impostors),
        ),
    )


def test_strict_threshold_tightens_as_the_gallery_grows() -> None:
    thresholds = [_calibrator(n).strict_threshold() for n in (10, 100, 1_000, 10_000)]
    assert thresholds == sorted(thresholds, reverse=True)
    for n, t in zip((10, 100, 1_000, 10_000), thresholds, strict=True):
        assert _calibrator(n).fpir(t) <= tables.STRICT_FPIR + 1e-9
    assert 0.25 < thresholds[1] < 0.4  # unit-length template distances
    # the table-only threshold (About dialog) agrees with the calibrator's to a grid step
    table = tables.shipped_table()
    for n, t in zip((10, 100, 1_000, 10_000), thresholds, strict=True):
        assert abs(tables.threshold_for_gallery(table, n) - t) <= 0.0026


def test_store_impostors_blend_in_and_stay_monotone() -> None:
    rng = np.random.default_rng(1)
    closer_population = rng.normal(0.42, 0.05, 20_000)  # an enrolled population of look-alikes
    plain, blended = _calibrator(200), _calibrator(200, closer_population)
    assert 0.0 < blended.store_weight < 1.0
    assert blended.fmr(0.3) > plain.fmr(0.3)
    assert tables.is_monotone([blended.fmr(d) for d in np.linspace(0, 1.2, 500)])
    assert blended.strict_threshold() < plain.strict_threshold()
    assert _calibrator(200, closer_population[:10]).store_weight == 0.0


def test_presets_pick_the_threshold() -> None:
    calibrator = _calibrator(300)
    assert calibrator.threshold_for("investigative") is None
    assert calibrator.threshold_for("strict") == pytest.approx(calibrator.strict_threshold())


def test_templates_average_unit_embeddings() -> None:
    e = np.eye(128)
    names, tmpl = cal.templates([e[0] * 3, e[1] * 0.5, e[2]], ["a", "a", "b"])
    assert names == ["a", "b"]
    np.testing.assert_allclose(tmpl[0][:2], [2**-0.5, 2**-0.5])
    impostor, genuine = cal.template_score_distances([e[0], e[0] * 2, e[1]], ["a", "a", "b"])
    assert sorted(np.round(impostor, 6)) == pytest.approx([2**0.5] * 3)
    assert genuine == pytest.approx([0.0, 0.0])


# -- strict preset on a real store of lfw_dev identities -------------------------------------------


@pytest.fixture(scope="module")
def lfw_split(data_dir: Path) -> dict[str, list[Path]]:
    """A small, fixed subset: 25 people with 3+ photos (2 enrolled, the 3rd a probe) and 25
    people with a single photo who are never enrolled."""
    root = data_dir / "lfw_dev"
    if not root.is_dir():
        pytest.skip(f"LFW development photos not found at {root}")
    people = sorted(p for p in root.iterdir() if p.is_dir())
    multi = [p for p in people if len(list(p.iterdir())) >= 3]
    single = [p for p in people if len(list(p.iterdir())) == 1]
    enrolled = multi[:: len(multi) // 25][:25]
    never = single[:: len(single) // 25][:25]
    return {
        "gallery": [f for p in enrolled for f in sorted(p.iterdir())[:2]],
        "mated": [sorted(p.iterdir())[2] for p in enrolled],
        "never": [next(p.iterdir()) for p in never],
    }


@pytest.fixture(scope="module")
def lfw_store(lfw_split: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lfw") / "lfw.sqlite"
    with GalleryStore(path) as store:
        summary = run_import(store, lfw_split["gallery"], subject_from_folder=True)
    assert summary.imported == 50
    return path


def test_strict_preset_rejects_strangers_and_keeps_enrolled(
    lfw_split: dict[str, list[Path]], lfw_store: Path
) -> None:
    engine = create_engine()
    with GalleryStore(lfw_store) as store:
        calibrator = cal.calibrator_for_store(store)
        assert calibrator.enrolled_subjects == 25
        threshold = calibrator.threshold_for("strict")
        assert threshold is not None and calibrator.fpir(threshold) <= tables.STRICT_FPIR + 1e-9

        def first_face(path: Path) -> FaceSearch:
            faces = search_image(store, engine, path, top_k=3, preset="strict").faces
            assert faces, f"no face in {path}"
            return faces[0]

        kept = [first_face(p) for p in lfw_split["mated"]]
        strangers = [first_face(p) for p in lfw_split["never"]]
    hits = sum(
        f.candidates[0].within_tolerance and f.candidates[0].subject == p.parent.name
        for f, p in zip(kept, lfw_split["mated"], strict=True)
    )
    matched = sum(f.within_tolerance > 0 for f in strangers)
    assert hits >= 20, f"strict kept only {hits}/25 enrolled people (threshold {threshold:.3f})"
    assert matched <= 2, f"{matched}/25 never-enrolled people matched at {threshold:.3f}"
    face = kept[0]
    assert face.preset == "strict" and face.strict_threshold == pytest.approx(threshold)
    assert face.never_enrolled_match is not None and face.never_enrolled_match <= 0.0101
    for cand in face.candidates:  # a subject's decision follows its template distance
        assert cand.est_fmr is not None and cand.template_distance is not None
        assert cand.within_tolerance == (cand.template_distance <= threshold)


def test_investigative_preset_keeps_the_tolerance_and_warns_about_strangers(
    lfw_split: dict[str, list[Path]], lfw_store: Path
) -> None:
    with GalleryStore(lfw_store) as store:
        result = search_image(store, create_engine(), lfw_split["never"][0], top_k=5)
    face = result.faces[0]
    assert face.preset == "investigative" and face.strict_threshold is None
    assert all(c.within_tolerance == (c.distance <= 0.6) for c in face.candidates)
    assert face.never_enrolled_match is not None and 0.01 < face.never_enrolled_match < 1.0
    payload = face.as_dict()
    assert payload["preset"] == "investigative" and "never_enrolled_match_chance" in payload
    assert all("est_fmr" in c for c in payload["candidates"])  # type: ignore[attr-defined]


def test_search_cli_preset_strict(
    lfw_split: dict[str, list[Path]], lfw_store: Path, tmp_path: Path
) -> None:
    import json
    import shutil
    import subprocess
    import sys

    rekog = Path(sys.executable).with_name("rekog")
    db = tmp_path / "copy.sqlite"
    shutil.copy(lfw_store, db)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(rekog), "--db", str(db), *args], capture_output=True, text=True, timeout=600
        )

    opened = run(
        "case", "new", "--number", "S-1", "--title", "t", "--purpose", "p", "--legal-basis", "b"
    )
    assert opened.returncode == 0, opened.stderr
    probes = [str(lfw_split["mated"][0]), str(lfw_split["never"][0])]
    result = run("search", *probes, "--preset", "strict", "--case", "S-1", "--json")
    assert result.returncode == 0, result.stderr
    mated, stranger = (json.loads(line)["faces"][0] for line in result.stdout.splitlines())
    assert mated["preset"] == "strict" and mated["within_tolerance"] >= 1
    assert mated["candidates"][0]["est_fmr"] < 1e-3
    assert stranger["within_tolerance"] == 0
    assert stranger["never_enrolled_match_chance"] <= 0.0101
    text = run("search", probes[1], "--preset", "strict", "--case", "S-1")
    assert "strict preset" in text.stdout and "est. FMR" in text.stdout
    assert "never enrolled" in text.stdout and "not an identification" in text.stdout
