"""The page template of the PDF case notes: fonts, the header and footer every page carries
(case number, the lead-only caveat, page x of y, generation time) and the text helpers the
sections use. report.py fills it with the case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from rekog_desktop.core.common.resources import resource

LEAD_ONLY = "Investigative lead only, not a positive identification"
FONTS = resource("fonts")
GREY = (90, 90, 90)
WARN = (160, 40, 20)


class CaseNotesPDF(FPDF):
    """Every page carries the caveat, the case number, page x of y and the generation time."""

    def __init__(self, case_number: str, generated_utc: str) -> None:
        super().__init__(format="A4")
        self.case_number = case_number
        self.generated_utc = generated_utc
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.add_font("Mono", "", str(FONTS / "DejaVuSansMono.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 20, 15)
        self.set_title(f"Case notes {case_number}")
        self.set_creator("rekog-desktop")

    def header(self) -> None:
        self.set_y(8)
        self.set_font("DejaVu", "B", 8)
        self.set_text_color(*WARN)
        self.cell(0, 4, LEAD_ONLY, align="L")
        self.set_text_color(*GREY)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, f"Case {self.case_number}", align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(200, 200, 200)
        self.line(15, 13, self.w - 15, 13)
        self.set_text_color(0, 0, 0)
        self.set_y(18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"Generated {self.generated_utc}  ·  {LEAD_ONLY}", align="L")
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # -- small writing helpers ------------------------------------------------------------------

    def heading(self, text: str, size: int = 14) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        self.set_font("DejaVu", "", 10)

    def para(self, text: str, *, size: int = 10, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.set_font("DejaVu", "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def fields(
        self, rows: list[tuple[str, str]], *, key_width: float = 45, line_height: float = 5
    ) -> None:
        """A two-column table of labelled values, as wide as the current margins allow."""
        self.set_font("DejaVu", "", 9)
        with self.table(
            col_widths=(key_width, self.epw - key_width),
            width=self.epw,
            align="LEFT",
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=line_height,
            text_align="LEFT",
            # Words wrap whole; a hash or path longer than the line is still broken (fpdf2
            # falls back to characters for a word wider than the cell).
            wrapmode=WrapMode.WORD,
        ) as table:
            for key, value in rows:
                row = table.row()
                row.cell(key, style=FontFace(emphasis="BOLD"))
                row.cell(value)
        self.ln(2)

    def mono(self, text: str) -> None:
        self.set_font("Mono", "", 8)
        self.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)


@contextmanager
def margins(pdf: FPDF, *, left: float | None = None, right: float | None = None) -> Iterator[None]:
    """Temporarily narrower margins (fpdf's local_context does not restore margins)."""
    old_left, old_right = pdf.l_margin, pdf.r_margin
    if left is not None:
        pdf.set_left_margin(left)
    if right is not None:
        pdf.set_right_margin(right)
    try:
        yield
    finally:
        pdf.set_left_margin(old_left)
        pdf.set_right_margin(old_right)
