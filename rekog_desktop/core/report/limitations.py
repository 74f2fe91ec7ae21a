"""What face search cannot do, in plain words: one text for Help > About and the PDF case notes.

A defence expert reading the case notes should find the same limitations the officer was shown
in the app, so both take them from here. The measured lines are computed from the shipped
calibration (resources/calibration.json) and so never drift from the numbers searches use.
"""

from __future__ import annotations

from rekog_desktop.core.scoring.calibration_table import (
    gallery_fpir,
    shipped_face_table,
    shipped_table,
    threshold_for_gallery,
)
from rekog_desktop.core.scoring.search import DEFAULT_TOLERANCE

__all__ = ["GALLERY_SIZES", "LIMITATIONS", "known_limitations", "measured_limits"]

LIMITATIONS = [
    "A candidate is an investigative lead, never an identification: the model measures how "
    "similar two faces look, not who someone is.",
    "The model (dlib ResNet, 128-d) was trained on about 3 million faces, mostly adults from "
    "public photos of Western celebrities. Like other face models, it is measurably less "
    "accurate for children, for older people and for people with darker skin; treat leads "
    "for them with extra care.",
    "It is built for near-frontal faces. Accuracy falls with a head turned more than about "
    "30°, with small faces (under 30 px between the eyes), blur, poor or harsh light, "
    "sunglasses, masks and heavy make-up.",
    "A distance of 0.6 is dlib's operating point (dlib publishes 99.38% correct on the LFW "
    "benchmark's pairs; measured here with `rekog eval pairs` on 2,200 LFW development pairs: "
    "99.1% cross-validated with the default 68-point alignment and mirror, 98.7% with "
    "face_recognition's 5-point alignment). Searching a large gallery multiplies the chances "
    "of a close stranger: expect look-alikes within tolerance, and relatives or twins very "
    "close.",
    "It does not judge whether a photo is genuine, recent, edited or a photo of a photo.",
]


GALLERY_SIZES = (100, 1_000, 10_000)


def measured_limits() -> list[str]:
    """What the shipped calibration says a distance means, worked out for a few gallery sizes
    (computed from resources/calibration.json, so the dialog never drifts from the numbers the
    searches use)."""
    table, faces = shipped_table(), shipped_face_table()
    people = table.meta.get("people", "?")
    images = table.meta.get("images", "?")
    lines = []
    sizes = " / ".join(f"{n:,}" for n in GALLERY_SIZES)
    if faces is not None:
        one = faces.fmr(DEFAULT_TOLERANCE)
        fpirs = " / ".join(
            f"{gallery_fpir(one, n, faces.gallery_exponent):.0%}" for n in GALLERY_SIZES
        )
        lines.append(
            f"Measured on the calibration set ({people:,} adults, {images:,} LFW photos): "
            f"two photos of different people fall within {DEFAULT_TOLERANCE:.2f} about 1 in "
            f"{round(1 / one):,} comparisons, two photos of the same person "
            f"{faces.tmr(DEFAULT_TOLERANCE):.0%} of the time. With {sizes} gallery faces, "
            f"someone never enrolled has a face within {DEFAULT_TOLERANCE:.2f} about {fpirs} "
            "of the time: the investigative list always holds look-alikes."
        )
    kept = " / ".join(f"{table.tmr(threshold_for_gallery(table, n)):.0%}" for n in GALLERY_SIZES)
    lines.append(
        "The strict preset holds that chance at 1%, at a price: with "
        f"{sizes} subjects it marks about {kept} of real matches (a clear photo against the "
        "subject's other photos). Unmarked is not 'not this person'."
    )
    lines.append(
        "Checked out of sample (bench/calibration_check.py, 70 photos of 20 people from other "
        "sources, each left out in turn): the strict preset matched none of 70 never-enrolled "
        "probes to someone else (1 with the older 5-point engine: a known look-alike pair), "
        "tolerance 0.60 matched 6 of 70; every enrolled photo found its subject."
    )
    return lines


def known_limitations() -> list[str]:
    """The fixed limitations, then what the calibration measured."""
    return [*LIMITATIONS, *measured_limits()]
