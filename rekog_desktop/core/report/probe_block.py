"""The case notes' view of a search's whole probe picture: every face found outlined and
numbered as elsewhere in the document, the searched one in red, under the search's facts."""

from __future__ import annotations

import io

from rekog_desktop.core.cases.searches import SearchRecord, probe_image
from rekog_desktop.core.common.types import FaceBox
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.pdf_layout import GREY, CaseNotesPDF
from rekog_desktop.core.report.probe_picture import outlined

#: The largest the picture is drawn, in mm: big enough to tell the faces apart, small enough
#: that a search still reads as one block.
MAX_WIDTH_MM = 90.0
MAX_HEIGHT_MM = 65.0


def probe_boxes(search: SearchRecord) -> tuple[list[FaceBox], int]:
    """Every face box found in the probe (largest first) and the index of the searched one;
    a search recorded without the others' boxes has only its own."""
    listed = search.context.get("face_boxes")
    if isinstance(listed, list) and 0 <= search.face_index < len(listed):
        return [FaceBox.from_list(box) for box in listed], search.face_index
    return [search.face_box], 0


def probe_picture_block(pdf: CaseNotesPDF, store: GalleryStore, search: SearchRecord) -> None:
    """Draw the whole probe with its face boxes, or say why it cannot be shown."""
    if search.kind == "video":
        pdf.para(
            "The clip itself is not reproduced here: the face crop above is from the frame "
            "named in the heading, which can be found in the clip by its SHA-256.",
            size=7,
            colour=GREY,
        )
        return
    picture = probe_image(store, search.probe_sha256)
    if picture is None:
        pdf.para(
            "The whole probe picture was not kept with this search (recorded before the store "
            "kept it); the face box above locates the face in the file with this SHA-256.",
            size=7,
            colour=GREY,
        )
        return
    boxes, searched = probe_boxes(search)
    ratio = picture.height / max(picture.width, 1)
    width = min(MAX_WIDTH_MM, MAX_HEIGHT_MM / ratio)
    height = width * ratio
    if pdf.get_y() + height + 10 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y() + 1
    pdf.image(io.BytesIO(outlined(picture, boxes, searched)), x=pdf.l_margin, y=top, w=width)
    pdf.set_y(top + height + 1)
    others = len(boxes) - 1
    pdf.para(
        f"Whole probe picture ({picture.width} x {picture.height} px, shown reduced): face "
        f"{searched + 1}, outlined in red, is the face searched here"
        + (
            f"; the {others} other face(s) found are outlined in blue and numbered as in "
            "their own searches (largest first)."
            if others
            else "; no other face was found in it."
        ),
        size=7,
        colour=GREY,
    )
    pdf.ln(1)
