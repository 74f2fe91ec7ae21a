"""The searches that found nothing, for the case notes: searches with no candidate within the
preset's cut, photo probes in which no face was found and clips in which no face was found.
Each is disclosed and counted among the case's searches, because a search that found nothing
is as relevant to the case as one that found a lead.
"""

from __future__ import annotations

from dataclasses import dataclass

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import EventKind
from rekog_desktop.core.cases.searches import SearchRecord
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.pdf_layout import CaseNotesPDF


@dataclass(frozen=True)
class Nothing:
    """Everything in a case that found no candidate or no face."""

    no_candidate: list[SearchRecord]
    faceless_photos: list[trail.AuditEvent]
    #: `video_scan` events of clips with no track (a clip ranked again is not a new search).
    faceless_clips: list[trail.AuditEvent]

    @property
    def faceless(self) -> int:
        return len(self.faceless_photos) + len(self.faceless_clips)

    @property
    def total(self) -> int:
        return len(self.no_candidate) + self.faceless


def found_nothing(store: GalleryStore, case_number: str, searches: list[SearchRecord]) -> Nothing:
    clips = [
        event
        for event in trail.list_events(
            store, case_number=case_number, event_type=EventKind.VIDEO_SCAN.value
        )
        if not event.data.get("tracks") and not event.data.get("reranked")
    ]
    photos = trail.list_events(
        store, case_number=case_number, event_type=EventKind.PROBE_WITHOUT_FACE.value
    )
    return Nothing([s for s in searches if s.no_match], photos, clips)


def count_line(searches: list[SearchRecord], nothing: Nothing) -> str:
    """The cover's count of searches: every searched face, and every probe or clip searched in
    which no face was found."""
    total = len(searches) + nothing.faceless
    parts = [f"{len(searches)} of a face"]
    if nothing.faceless_photos:
        parts.append(f"{len(nothing.faceless_photos)} of a photo with no face found")
    if nothing.faceless_clips:
        parts.append(f"{len(nothing.faceless_clips)} of a clip with no face found")
    return f"{total} ({', '.join(parts)}); {nothing.total} found no candidate within tolerance"


def disclosure_section(pdf: CaseNotesPDF, nothing: Nothing) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.heading("Searches that found nothing (disclosure)", 14)
    if not nothing.total:
        pdf.para("Every search in this case had at least one candidate within tolerance.", size=9)
        return
    pdf.para(
        "These searches found nobody within tolerance (or within the strict threshold), or no "
        "face at all. They are disclosed because a search that found nothing is as relevant "
        "to the case as one that found a lead.",
        size=9,
    )
    items = [
        f"Photo probe with no face found ({e.created_utc}, by {e.actor}): "
        f"{e.data.get('probe_path')}, SHA-256 {e.data.get('probe_sha256')}"
        for e in nothing.faceless_photos
    ]
    items += [
        f"Clip with no face found ({e.created_utc}, by {e.actor}): {e.data.get('probe_path')}, "
        f"SHA-256 {e.data.get('probe_sha256')}; {e.data.get('message')}"
        for e in nothing.faceless_clips
    ]
    for s in nothing.no_candidate:
        nearest = s.candidates[0] if s.candidates else None
        tail = (
            f"; nearest was {nearest.subject} at photo distance {nearest.distance:.3f}"
            if nearest
            else "; the gallery was empty"
        )
        items.append(
            f"Search {s.id} ({s.created_utc}, by {s.actor}): {s.probe_path}, "
            f"SHA-256 {s.probe_sha256}, {s.face_label}{tail}"
        )
    pdf.bullets(items, size=9)
