"""What the review shows of each candidate beyond core's Candidate, and decisions as marks.

Shared by the candidate list (search/) and the side-by-side review (review/), which both
observe the same review session.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage

from rekog_desktop.core.common.types import Point, Quality

VERDICT_WORDS = {"accept": "Accepted", "reject": "Rejected", "inconclusive": "Inconclusive"}


@dataclass(frozen=True)
class CandidateDetail:
    """What the candidate list and the review need beyond core's Candidate."""

    face_id: int
    thumbnail: QImage
    quality: Quality
    landmarks: dict[str, list[Point]]


@dataclass(frozen=True)
class DecisionMark:
    """A decision as the list shows it (the record lives in the store)."""

    verdict: str
    reason: str
    reviewer: str
    decided_utc: str = ""
    earlier: bool = False  # carried over from an earlier search of the same probe
    verification: str = ""  # accepted pairs: unverified, verified or disputed
