"""The PDF case notes keep every character: very long fields export in full, names in any
script come out as written (Chinese, Devanagari, Thai, emoji; Arabic and Hebrew in logical
order), and the known limitations and the reasons for rejects are in the document.

Text is read back with poppler's pdftotext where it is installed (what a reader's viewer
extracts), else with pypdf, and the page header and footer are cropped away so a paragraph that
runs over a page break reads as one piece.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from rekog_desktop.core.cases.cases import Case, add_note, create_case
from rekog_desktop.core.cases.decisions import record_decision
from rekog_desktop.core.cases.searches import record_search
from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.case_notes import export_case_pdf
from rekog_desktop.core.report.limitations import LIMITATIONS
from rekog_desktop.core.report.pdf_layout import CaseNotesPDF, visible
from rekog_desktop.core.scoring.search import search_loaded
from tests.conftest import officer

#: Names in the scripts the issue lists, each as a person would type it (logical order).
NAMES = {
    "chinese": "王小明",
    "devanagari": "अनीता शर्मा",
    "thai": "สมชาย ใจดี",
    "arabic": "محمد عبد الله",
    "hebrew": "דוד כהן",
    "emoji": "🙂",
}


def _long(label: str, size: int = 5000) -> str:
    """A text of about `size` characters of distinct words, ending in a marker, so a cut
    anywhere shows."""
    words = [f"{label}{i:04d}" for i in range(size // 10)]
    words[3] = "(robbery, s.8 Theft Act 1968)"
    return " ".join(words) + f" END-OF-{label.upper()}"


PURPOSE = _long("purpose")
ACCEPT_REASON = _long("accept")
REJECT_REASON = _long("reject")
NOTE = _long("note")


def _pdf_text(path: Path, *, body_only: bool = True) -> str:
    """The document's text with runs of white space made single and format characters (the
    bidi embedding marks pdftotext adds around right-to-left runs) dropped."""
    if shutil.which("pdftotext") and not os.environ.get("REKOG_TEST_NO_POPPLER"):
        # A4 at 72 dpi is 595 x 842 pt; the header ends at 13 mm (37 pt), the footer starts
        # 12 mm (34 pt) from the bottom.
        crop = ["-x", "0", "-y", "40", "-W", "595", "-H", "760"] if body_only else []
        raw = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", *crop, str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    else:
        raw = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        if body_only:
            raw = "\n".join(line for line in raw.splitlines() if not _furniture(line))
    text = "".join(ch for ch in raw if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def _furniture(line: str) -> bool:
    """pypdf has no crop: drop the header and footer lines by their words instead."""
    return line.startswith(("Investigative lead only", "Generated ")) or line.startswith("Page ")


def _squeezed(text: str) -> str:
    """Without any white space: extraction may split a Devanagari or Thai word at a mark."""
    return "".join(text.split())


@pytest.fixture
def store(gallery_path: Path, tmp_path: Path) -> Iterator[GalleryStore]:
    target = tmp_path / "gallery.sqlite"
    shutil.copy(gallery_path, target)
    with GalleryStore(target) as opened:
        officer(opened, "analyst_a", "analyst")
        yield opened


def _case_with_search(
    store: GalleryStore, probe: Path, *, title: str, purpose: str, officer: str
) -> tuple[Case, int]:
    case = create_case(
        store,
        number="2026-0099",
        title=title,
        purpose=purpose,
        legal_basis="Criminal Procedure Act s.12",
        officer=officer,
        actor="analyst_a",
    )
    image = load_image(probe)
    result = search_loaded(store, create_engine(), image, top_k=5)
    search_id = record_search(
        store,
        case=case,
        probe=result,
        face_index=0,
        top_k=5,
        tolerance=0.6,
        actor="analyst_a",
        probe_pixels=image.pixels,
    )
    return case, search_id


def test_5000_character_fields_export_in_full(
    store: GalleryStore, held_out: dict[str, Path], tmp_path: Path
) -> None:
    case, search_id = _case_with_search(
        store, held_out["kit_harington"], title="Long fields", purpose=PURPOSE, officer="DC Long"
    )
    record_decision(
        store, search_id=search_id, rank=1, verdict="accept", reason=ACCEPT_REASON,
        reviewer="analyst_a",
    )  # fmt: skip
    record_decision(
        store, search_id=search_id, rank=2, verdict="reject", reason=REJECT_REASON,
        reviewer="analyst_a",
    )  # fmt: skip
    add_note(store, case.number, NOTE, author="analyst_a")

    result = export_case_pdf(store, case.number, tmp_path / "long.pdf", actor="analyst_a")

    assert result.pages > 5
    body = _pdf_text(result.path)
    for text in (PURPOSE, ACCEPT_REASON, REJECT_REASON, NOTE):
        assert text in body, text[-40:]
    # Where a table keeps a long text short, it says so and says where the rest is.
    assert "more characters; in full under Reviewed pairs]" in body
    assert "more characters; in full under Case notes]" in body
    assert "more characters; in full on the cover]" in body


def test_names_in_every_script_survive(
    store: GalleryStore, held_out: dict[str, Path], tmp_path: Path
) -> None:
    everyone = " / ".join(NAMES.values())
    case, search_id = _case_with_search(
        store,
        held_out["kit_harington"],
        title=f"Title {everyone}",
        purpose="Identify a suspect",
        officer=f"DC {everyone}",
    )
    record_decision(
        store, search_id=search_id, rank=2, verdict="reject",
        reason=f"Not {NAMES['arabic']} nor {NAMES['hebrew']}", reviewer="analyst_a",
    )  # fmt: skip
    add_note(store, case.number, f"Witnesses: {everyone}", author="analyst_a")

    result = export_case_pdf(store, case.number, tmp_path / "scripts.pdf", actor="analyst_a")

    squeezed = _squeezed(_pdf_text(result.path, body_only=False))
    for script, name in NAMES.items():
        # Officer, title, note and reason each carry the name: it must be there every time.
        assert squeezed.count(_squeezed(name)) >= 4, script
    for rtl in (NAMES["arabic"], NAMES["hebrew"]):
        assert _squeezed(rtl)[::-1] not in squeezed


def test_limitations_and_reject_reasons_are_stated(
    store: GalleryStore, held_out: dict[str, Path], tmp_path: Path
) -> None:
    case, search_id = _case_with_search(
        store, held_out["kit_harington"], title="t", purpose="p", officer="o"
    )
    record_decision(
        store, search_id=search_id, rank=2, verdict="reject", reason="Ears set lower",
        reviewer="analyst_a",
    )  # fmt: skip
    record_decision(
        store, search_id=search_id, rank=3, verdict="reject", reason="Older by decades",
        reviewer="analyst_a",
    )  # fmt: skip

    result = export_case_pdf(store, case.number, tmp_path / "limits.pdf", actor="analyst_a")

    body = _pdf_text(result.path)
    for limitation in LIMITATIONS:  # the same words as Help > About
        assert " ".join(limitation.split()) in body
    assert "Rejected candidates and the reasons given" in body
    assert "Ears set lower" in body and "Older by decades" in body


def test_a_single_line_is_cut_with_a_visible_ellipsis() -> None:
    pdf = CaseNotesPDF("2026-0001", "2026-01-01 00:00:00 UTC")
    pdf.set_font("DejaVu", "", 8)
    assert pdf.fit("short", 50) == "short"
    cut = pdf.fit("word " * 200, 50)
    assert cut.endswith("…") and pdf.get_string_width(cut) <= 50
    pdf.add_page()
    pdf.output()  # closes the font files fpdf2 keeps open


def test_control_characters_are_shown_not_dropped() -> None:
    assert visible("a\tb\x1b[31m\r\nc\x07") == "a b\\x1b[31m\nc\\x07"
