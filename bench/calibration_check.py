"""Out-of-sample check of the shipped calibration: do its promises hold on faces it never saw?

The calibration table (resources/calibration.json) was built on lfw_dev. This script measures,
on ../shared/data/faces (20 identities from other sources, including the deepface_person_07/08
look-alikes), with the default engine:

- impostor rate: the share of (photo, other subject's template) comparisons at or below a few
  template distances, against the table's estimated false-match rate there;
- leave-one-identity-out: each identity in turn is "never enrolled" and its photos are searched
  against the other 19 (templates from all their photos); how many match anyone under the
  strict preset and within the investigative tolerance, against the calibrator's estimates;
- leave-one-photo-out: each photo of an identity with 2+ photos is searched against a gallery
  holding the identity's other photos; rank-1 and the strict preset's hit rate.

The set is small (about 70 photos), so counts are printed with the estimates: this is a sanity
check of direction and size, not a new calibration.

    uv run python bench/calibration_check.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import data_root, table

from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.scoring import calibration as cal
from rekog_desktop.core.scoring.search import DEFAULT_TOLERANCE


def encode(faces_dir: Path) -> tuple[list[str], np.ndarray]:
    """The largest face of every identity photo (default engine, as an import would)."""
    engine = create_engine()
    labels: list[str] = []
    vectors: list[np.ndarray] = []
    for folder in sorted(p for p in faces_dir.iterdir() if p.is_dir() and p.name[0] != "_"):
        for photo in sorted(folder.iterdir()):
            faces = engine.faces(load_image(photo).pixels)
            if not faces:
                print(f"  no face: {photo.relative_to(faces_dir)}")
                continue
            labels.append(folder.name)
            vectors.append(max(faces, key=lambda f: f.box.area).embedding)
    return labels, np.asarray(vectors)


def calibrator_for(vectors: np.ndarray, labels: list[str]) -> cal.Calibrator:
    ids = sorted(set(labels))
    subject_ids = [ids.index(label) for label in labels]
    return cal.Calibrator(
        table=cal.shipped_table(),
        subjects=cal.templates_of(vectors, subject_ids),
        face_table=cal.shipped_face_table(),
    )


def impostor_rates(vectors: np.ndarray, labels: list[str]) -> None:
    impostor, genuine = cal.template_score_distances(vectors, labels)
    shipped = cal.shipped_table()
    rows = []
    for d in (0.30, 0.35, 0.40, 0.45, 0.50):
        seen = int((impostor <= d).sum())
        rows.append(
            [
                f"{d:.2f}",
                f"{seen}/{impostor.size}",
                f"{seen / impostor.size:.4f}",
                f"{shipped.fmr(d):.4f}",
                f"{(genuine <= d).mean():.3f}",
                f"{shipped.tmr(d):.3f}",
            ]
        )
    print("\nTemplate distance: impostor (different person) and genuine rates, measured vs table")
    print(
        table(
            [
                "distance",
                "impostors <= d",
                "measured FMR",
                "table FMR",
                "measured TMR",
                "table TMR",
            ],
            rows,
        )
    )


def leave_one_identity_out(vectors: np.ndarray, labels: list[str]) -> None:
    names = sorted(set(labels))
    label_arr = np.asarray(labels)
    strict_hits = tolerance_hits = probes = 0
    predicted_strict: list[float] = []
    predicted_tol: list[float] = []
    look_alikes: list[str] = []
    for name in names:
        enrolled = label_arr != name
        calibrator = calibrator_for(vectors[enrolled], list(label_arr[enrolled]))
        threshold = calibrator.strict_threshold()
        predicted_strict.append(calibrator.fpir(threshold))
        predicted_tol.append(calibrator.tolerance_fpir(DEFAULT_TOLERANCE) or 0.0)
        gallery = vectors[enrolled]
        for probe in vectors[~enrolled]:
            probes += 1
            scores = calibrator.scores(probe)
            nearest = min(scores, key=scores.get)  # type: ignore[arg-type]
            if scores[nearest] <= threshold:
                strict_hits += 1
                look_alikes.append(f"{name} -> {sorted(set(labels) - {name})[nearest]}")
            raw = np.sqrt(((gallery - probe) ** 2).sum(1))
            tolerance_hits += int(raw.min() <= DEFAULT_TOLERANCE)
    print("\nLeave one identity out: never-enrolled probes against the other identities")
    print(
        table(
            ["rule", "matched anyone", "measured FPIR", "estimated FPIR (mean)"],
            [
                [
                    "strict preset",
                    f"{strict_hits}/{probes}",
                    f"{strict_hits / probes:.3f}",
                    f"{np.mean(predicted_strict):.3f}",
                ],
                [
                    f"tolerance {DEFAULT_TOLERANCE}",
                    f"{tolerance_hits}/{probes}",
                    f"{tolerance_hits / probes:.3f}",
                    f"{np.mean(predicted_tol):.3f}",
                ],
            ],
        )
    )
    if look_alikes:
        print("  strict false matches: " + ", ".join(look_alikes))


def leave_one_photo_out(vectors: np.ndarray, labels: list[str]) -> None:
    label_arr = np.asarray(labels)
    rank1 = strict = probes = 0
    predicted: list[float] = []
    names = sorted(set(labels))
    for i, name in enumerate(labels):
        if (label_arr == name).sum() < 2:
            continue
        keep = np.arange(len(labels)) != i
        calibrator = calibrator_for(vectors[keep], list(label_arr[keep]))
        threshold = calibrator.strict_threshold()
        scores = calibrator.scores(vectors[i])
        own = names.index(name)
        nearest = min(scores, key=scores.get)  # type: ignore[arg-type]
        probes += 1
        rank1 += int(nearest == own)
        strict += int(scores[own] <= threshold)
        predicted.append(calibrator.table.tmr(threshold))
    print("\nLeave one photo out: enrolled probes (rest of their photos in the gallery)")
    print(
        table(
            ["probes", "rank-1", "strict hit rate", "table TMR at the threshold (mean)"],
            [
                [
                    probes,
                    f"{rank1 / probes:.3f}",
                    f"{strict / probes:.3f}",
                    f"{np.mean(predicted):.3f}",
                ]
            ],
        )
    )


def main() -> None:
    faces_dir = data_root() / "faces"
    if not faces_dir.is_dir():
        sys.exit(f"no test data at {faces_dir} (set REKOG_TEST_DATA)")
    labels, vectors = encode(faces_dir)
    print(f"{len(labels)} photos of {len(set(labels))} identities encoded")
    impostor_rates(vectors, labels)
    leave_one_identity_out(vectors, labels)
    leave_one_photo_out(vectors, labels)


if __name__ == "__main__":
    main()
