"""Where a reviewed gallery photo came from, for the case notes: the source it was imported
from, who imported it and when, and its SHA-256 now set against the one recorded with the
search, so a defence expert can trace the photo a lead rests on back to its origin.
"""

from __future__ import annotations

from dataclasses import dataclass

from rekog_desktop.core.cases.searches import CandidateRecord
from rekog_desktop.core.gallery.store import GalleryStore


@dataclass(frozen=True)
class PhotoOrigin:
    """A gallery photo's import record as the store holds it now."""

    photo_id: int
    path: str
    sha256: str
    source: str
    imported_utc: str
    imported_by: str


def photo_origin(store: GalleryStore, face_id: int) -> PhotoOrigin | None:
    """The import record of the photo `face_id` is on; None once the face or photo is erased."""
    row = store.db.execute(
        """SELECT p.id, p.path, p.sha256, p.source, p.imported_utc, p.imported_by
        FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = ?""",
        [face_id],
    ).fetchone()
    if row is None:
        return None
    return PhotoOrigin(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]))


def origin_lines(store: GalleryStore, cand: CandidateRecord) -> list[str]:
    """The provenance of a candidate's photo in plain lines (never empty: an erased or changed
    photo says so)."""
    origin = photo_origin(store, cand.face_id)
    if origin is None:
        return [
            f"Gallery photo: {cand.photo_path}",
            f"Photo SHA-256 (recorded with the search): {cand.photo_sha256}",
            "Provenance: the photo is no longer in the gallery (erased after this search; the "
            "audit trail of the store records the erasure and its reason).",
        ]
    lines = [
        f"Gallery photo {origin.photo_id}: {origin.path}",
        f"Photo SHA-256: {origin.sha256}",
        f"Source: {origin.source or '(none stated at import)'}",
        f"Imported {origin.imported_utc} by {origin.imported_by}",
    ]
    if cand.photo_sha256 and origin.sha256 != cand.photo_sha256:
        lines.append(
            f"WARNING: the search recorded SHA-256 {cand.photo_sha256} for this face's photo; "
            "the gallery now holds a different file."
        )
    return lines
