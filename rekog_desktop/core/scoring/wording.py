"""Plain words for what a search's numbers mean: the match rule, the estimated false-match
rate of each candidate, the chance a stranger would match, and when not to trust them.

Rates are written "1 in N" (core.calibration.one_in). Pure functions, so the list, the review
and the tests say the same thing.
"""

from __future__ import annotations

from rekog_desktop.core.scoring.calibration_table import one_in
from rekog_desktop.core.scoring.search import ESTIMATE_SCOPE, Candidate, FaceSearch

__all__ = ["one_in"]

PRESET_NAMES = {"investigative": "Investigative", "strict": "Strict"}
PRESET_HELP = {
    "investigative": (
        "Investigative: a ranked list of the nearest gallery faces, every one a lead to be "
        "checked. Faces within the tolerance (raw distance) are marked; nothing is hidden."
    ),
    "strict": (
        "Strict: a subject is marked only when the probe is closer to the average of their "
        "enrolled faces than a calibrated threshold, set so that someone never enrolled would "
        "match anyone in this gallery at most 1% of the time. The tolerance is not used."
    ),
}


def short_reasons(warnings: tuple[str, ...] | list[str]) -> str:
    """'small face, blurred face' from the quality warnings' full sentences."""
    return ", ".join(w.split(":")[0].split(" (")[0] for w in warnings)


def rule_text(search: FaceSearch) -> str:
    """What 'marked' means under the search's preset."""
    if search.preset == "strict" and search.strict_threshold is not None:
        return f"within the strict threshold {search.strict_threshold:.3f}"
    return f"within tolerance {search.tolerance:.2f}"


def candidate_line(search: FaceSearch, cand: Candidate) -> str:
    """The candidate's numbers in one line (review caption, tooltips)."""
    where = (
        rule_text(search)
        if cand.within_tolerance
        else rule_text(search).replace("within", "beyond", 1)
    )
    line = f"distance {cand.distance:.3f} ({where})"
    if cand.est_fmr is not None:
        line += f" · est. false-match rate {one_in(cand.est_fmr, search.fmr_floor)}"
        if search.estimate_caveats:
            line += " (unreliable for this probe)"
    return line


def fmr_tooltip(search: FaceSearch, cand: Candidate) -> str:
    if cand.est_fmr is None:
        return "No calibrated estimate for this candidate (face not enrolled to a subject)."
    text = (
        f"Estimated false-match rate: {one_in(cand.est_fmr, search.fmr_floor)} comparisons "
        f"of two different people come out this close (template distance "
        f"{cand.template_distance:.3f} to {cand.subject}'s enrolled faces). "
        "Lower is rarer; it is not the chance that this is the same person."
    )
    if search.estimate_caveats:
        text += "\nUnreliable for this probe: " + "; ".join(search.face.quality.warnings)
    return text


def stranger_text(search: FaceSearch) -> str:
    """The chance that a never-enrolled person would still be marked, for this gallery."""
    chance = search.never_enrolled_match
    if chance is None:
        return "No calibrated estimate for this gallery."
    where = (
        "within the strict threshold"
        if search.preset == "strict"
        else f"within tolerance {search.tolerance:.2f}"
    )
    return (
        f"Stranger match: {chance:.1%}, the estimated chance that someone never enrolled "
        f"is {where} of one of these {search.gallery_subjects:,} subjects."
    )


def unreliable_text(search: FaceSearch) -> str:
    """Why this probe's estimates should not be trusted ('' when nothing is known against them)."""
    if not search.estimate_caveats:
        return ""
    return (
        "Estimated rates are unreliable for this probe "
        f"({short_reasons(search.face.quality.warnings)}): expect more look-alikes and more "
        "missed matches than the numbers say."
    )


SCOPE_TEXT = ESTIMATE_SCOPE
#: The scope in a few words, always on screen next to the numbers it qualifies.
SCOPE_SHORT = "Rates measured on adults in clear photos: not valid for children."
