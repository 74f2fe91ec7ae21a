"""Plain words for what a search's numbers mean: the match rule, the estimated false-match
rate of each candidate, the chance a stranger would match, and when not to trust them.

Rates are written "1 in N" (core.calibration.one_in). Pure functions, so the list, the review
and the tests say the same thing.
"""

from __future__ import annotations

from rekog_desktop.core.scoring.calibration import MIN_STORE_IMPOSTORS, TABLE_PRIOR_COMPARISONS
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


#: The two distances a candidate has, by the names the PDF, the tooltips and the CLI use.
PHOTO_DISTANCE = "photo distance"
SUBJECT_DISTANCE = "subject distance"

PHOTO_DISTANCE_DEFINITION = (
    "Photo distance: the Euclidean distance between the 128-number descriptor of the probe "
    "face and that of this one gallery photo's face, on dlib's scale (0 for identical "
    "descriptors; lower is closer). Candidates are ranked by it, and the "
    "tolerance (0.6, dlib's operating point) applies to it."
)
SUBJECT_DISTANCE_DEFINITION = (
    "Subject distance: the Euclidean distance between the probe face's descriptor and the "
    "subject's template, both scaled to length 1 (the template is the mean of the subject's "
    "enrolled faces, each scaled to length 1, scaled to length 1 again); 0 to 2, lower is "
    "closer. All photos of one subject share it. The strict threshold and the estimated "
    "false-match rate are read at this distance, not at the photo distance."
)
FMR_DEFINITION = (
    "Estimated false-match rate (Est. FMR), written as odds '1 in N': the estimated share of "
    "comparisons of a face of one person with the template of a different person that come "
    "out at or below this candidate's subject distance. It is read from the calibration "
    "table shipped with the app (for each distance, the share (k + 1) / (n + 1) of the "
    "development set's n different-person comparisons at or below it, interpolated between "
    "table points, so it is never zero). When the gallery has at least "
    f"{MIN_STORE_IMPOSTORS:,} comparisons of its enrolled faces with other subjects' "
    "templates, the share (k + 1) / (m + 1) of those m comparisons at or below the distance "
    f"is blended in with weight m / (m + {TABLE_PRIOR_COMPARISONS:,}). The odds therefore "
    "follow the subject distance, never improving as it grows, and not the photo distance. "
    "'<1 in N' is only a bound: no different-person comparison that close was seen. It is "
    "not the chance that the candidate is someone else."
)


def short_reasons(warnings: tuple[str, ...] | list[str]) -> str:
    """'small face, blurred face' from the quality warnings' full sentences."""
    return ", ".join(w.split(":")[0].split(" (")[0] for w in warnings)


def rule_text(search: FaceSearch) -> str:
    """What 'marked' means under the search's preset."""
    if search.preset == "strict" and search.strict_threshold is not None:
        return f"within the strict threshold {search.strict_threshold:.3f}"
    return f"within tolerance {search.tolerance:.2f}"


def candidate_line(search: FaceSearch, cand: Candidate) -> str:
    """The candidate's numbers in one line (review caption, tooltips): both distances, each
    named, and the odds beside the one they are read at."""
    where = (
        rule_text(search)
        if cand.within_tolerance
        else rule_text(search).replace("within", "beyond", 1)
    )
    line = f"{PHOTO_DISTANCE} {cand.distance:.3f} ({where})"
    if cand.template_distance is not None:
        line += f" · {SUBJECT_DISTANCE} {cand.template_distance:.3f}"
    if cand.est_fmr is not None:
        line += f", est. false-match rate {one_in(cand.est_fmr, search.fmr_floor)}"
        if search.estimate_caveats:
            line += " (unreliable for this probe)"
    return line


def fmr_tooltip(search: FaceSearch, cand: Candidate) -> str:
    """The Est. FMR cell's tooltip: the odds with the distance they are read at, and the
    exact definition (the same words as the case notes)."""
    if cand.est_fmr is None or cand.template_distance is None:
        return "No calibrated estimate for this candidate (face not enrolled to a subject)."
    text = (
        f"Est. false-match rate {one_in(cand.est_fmr, search.fmr_floor)} at {SUBJECT_DISTANCE} "
        f"{cand.template_distance:.3f} (to {cand.subject}'s template; the {PHOTO_DISTANCE} to "
        f"this photo is {cand.distance:.3f}).\n\n{FMR_DEFINITION}\n\n"
        f"{SUBJECT_DISTANCE_DEFINITION}"
    )
    if search.estimate_caveats:
        text += "\n\nUnreliable for this probe: " + "; ".join(search.face.quality.warnings)
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
