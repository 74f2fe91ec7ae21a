"""The page template of the PDF case notes: fonts, the header and footer every page carries
(case number, the lead-only caveat, page x of y, generation time) and the text helpers the
sections use. case_notes.py fills it with the case.

Two rules hold for every helper here, because a case note that silently loses text cannot be
relied on in court:
- no text is cut without a mark: long values wrap, and a value that must stay on one line (the
  page header) ends with a visible "…";
- no field is too long to export: fpdf2's own tables refuse a row taller than a page ("The row
  with index 2 is too high"), so tables here are drawn line by line and a tall row simply
  continues on the next page, under the repeated headings.

Names can be in any script, so the DejaVu fonts are backed by fallback fonts for what they lack
(Devanagari, Thai, CJK and Hangul, emoji) and text is shaped by HarfBuzz: Arabic letters join,
Devanagari and Thai marks sit right, and right-to-left runs are laid out right to left (fpdf2's
Unicode bidi) while the text stays in logical order for copy and search.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, WrapMode

from rekog_desktop.core.common.resources import resource

LEAD_ONLY = "Investigative lead only, not a positive identification"
FONTS = resource("fonts")
GREY = (90, 90, 90)
WARN = (160, 40, 20)
HEADING_FILL = (235, 235, 235)
RULE = (200, 200, 200)
ELLIPSIS = "…"
PAGE_MARGIN = 15.0

#: (family, style, file) of the fonts used when DejaVu has no glyph for a character. Order
#: matters only where two cover the same character. DejaVu itself covers Latin, Greek,
#: Cyrillic, Arabic and Hebrew.
FALLBACK_FONTS: tuple[tuple[str, str, str], ...] = (
    ("NotoDevanagari", "", "NotoSansDevanagari-Regular.ttf"),
    ("NotoDevanagari", "B", "NotoSansDevanagari-Bold.ttf"),
    ("NotoThai", "", "NotoSansThai-Regular.ttf"),
    ("NotoThai", "B", "NotoSansThai-Bold.ttf"),
    ("DroidCJK", "", "DroidSansFallback.ttf"),
    ("NotoEmoji", "", "NotoEmoji-Regular.ttf"),
)

Align = Literal["L", "C", "R"]


@dataclass(frozen=True)
class Column:
    """One column of a `grid`: its width in mm, alignment, and whether its text is bold."""

    width: float
    align: Align = "L"
    bold: bool = False


class CaseNotesPDF(FPDF):
    """Every page carries the caveat, the case number, page x of y and the generation time."""

    def __init__(self, case_number: str, generated_utc: str) -> None:
        super().__init__(format="A4")
        self.case_number = case_number
        self.generated_utc = generated_utc
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.add_font("Mono", "", str(FONTS / "DejaVuSansMono.ttf"))
        for family, style, file in FALLBACK_FONTS:
            self.add_font(family, style, str(FONTS / file))
        # exact_match=False: bold text in a script with no bold face (CJK, emoji) falls back
        # to the regular face rather than vanishing.
        self.set_fallback_fonts(
            list(dict.fromkeys(family for family, _, _ in FALLBACK_FONTS)), exact_match=False
        )
        self.set_text_shaping(True)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(PAGE_MARGIN, 20, PAGE_MARGIN)
        self.set_title(f"Case notes {case_number}")
        self.set_creator("rekog-desktop")

    @contextmanager
    def _page_margins(self) -> Iterator[None]:
        """Header and footer are drawn between the page's own margins, even when a section
        has narrowed them (a paragraph beside a photo that runs onto the next page)."""
        with margins(self, left=PAGE_MARGIN, right=PAGE_MARGIN):
            yield

    def header(self) -> None:
        with self._page_margins():
            self.set_y(8)
            self.set_font("DejaVu", "B", 8)
            self.set_text_color(*WARN)
            lead_width = self.get_string_width(LEAD_ONLY) + 4
            self.cell(lead_width, 4, LEAD_ONLY, align="L")
            self.set_text_color(*GREY)
            self.set_font("DejaVu", "", 8)
            # One line is all the header has: a long case number ends in a visible ellipsis
            # (it is in full on the cover).
            self.cell(
                0,
                4,
                self.fit(visible(f"Case {self.case_number}"), self.epw - lead_width - 2),
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            self.set_draw_color(*RULE)
            self.line(PAGE_MARGIN, 13, self.w - PAGE_MARGIN, 13)
            self.set_text_color(0, 0, 0)
        self.set_y(18)

    def footer(self) -> None:
        with self._page_margins():
            self.set_y(-12)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(*GREY)
            self.cell(0, 4, f"Generated {self.generated_utc}  ·  {LEAD_ONLY}", align="L")
            self.set_x(PAGE_MARGIN)
            self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    def new_section(self) -> None:
        """A major section starts on a new page, unless the page is still mostly empty (a
        cover that ran a few lines over should not leave a near-blank page behind)."""
        if self.page == 0 or self.get_y() > self.t_margin + (self.h - self.t_margin) / 4:
            self.add_page()
        else:
            self.ln(4)

    # -- small writing helpers ------------------------------------------------------------------

    def fit(self, text: str, width: float) -> str:
        """`text` shortened to `width` mm in the current font, ending in "…" when cut: for the
        few places where a value must stay on one line."""
        if self.get_string_width(text) <= width:
            return text
        low, high = 0, len(text)
        while low < high:
            mid = (low + high + 1) // 2
            if self.get_string_width(text[:mid].rstrip() + ELLIPSIS) <= width:
                low = mid
            else:
                high = mid - 1
        return text[:low].rstrip() + ELLIPSIS

    def heading(self, text: str, size: int = 14, *, keep_mm: float = 25) -> None:
        """A heading is never the last thing on a page: with less than `keep_mm` below it
        for what it introduces, it starts the next page."""
        if self.get_y() + size * 0.5 + keep_mm > self.page_break_trigger:
            self.add_page()
        self.ln(2)
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.5, visible(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        self.set_font("DejaVu", "", 10)

    def para(
        self, text: str, *, size: float = 10, colour: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        """A wrapped paragraph; it continues on the next page when it has to."""
        self.set_font("DejaVu", "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, visible(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def bullets(self, items: Sequence[str], *, size: float = 9) -> None:
        """A list whose wrapped lines hang under the first word, not under the bullet."""
        indent = 4.0
        for item in items:
            self.set_font("DejaVu", "", size)
            if self.get_y() + size * 0.5 > self.page_break_trigger:
                self.add_page()
            top = self.get_y()
            self.set_x(self.l_margin)
            self.cell(indent, size * 0.5, "•")
            self.set_xy(self.l_margin + indent, top)
            with margins(self, left=self.l_margin + indent):
                self.multi_cell(
                    0, size * 0.5, visible(item), align="L", new_x="LMARGIN", new_y="NEXT"
                )
            self.ln(0.8)

    def fields(
        self, rows: Sequence[tuple[str, str]], *, key_width: float = 45, line_height: float = 5
    ) -> None:
        """A two-column table of labelled values, as wide as the current margins allow. Every
        value wraps in full, however long (a 5,000-character purpose runs over pages)."""
        self.grid(
            [Column(key_width, bold=True), Column(self.epw - key_width)],
            rows,
            size=9,
            line_height=line_height,
        )
        self.ln(2)

    def grid(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        headings: Sequence[str] | None = None,
        size: float = 8,
        line_height: float = 4.2,
    ) -> None:
        """A table whose cells wrap and whose rows may run over a page break: the page ends
        at a line, the next page repeats the headings and the row goes on. fpdf2's
        `table()` would refuse such a row and fail the whole export.

        A table that fits on one page is not split, and a short row starts on the next page
        rather than being split; a row taller than a third of a page is split where the page
        ends, so a long text does not leave a half-empty page behind it."""
        pad = 0.8
        head = self._wrap(columns, headings, size, line_height, bold=True) if headings else None
        body = [self._wrap(columns, row, size, line_height) for row in rows]

        def tall(wrapped: list[list[str]] | None) -> float:
            return 0 if wrapped is None else max(map(len, wrapped)) * line_height + 2 * pad

        def draw_headings() -> None:
            if head is not None:
                self._grid_row(columns, head, size, line_height, pad, bold=True, fill=True)

        page_body = self.page_break_trigger - self.t_margin
        whole = tall(head) + sum(map(tall, body))
        first = tall(body[0]) if body else 0
        room = self.page_break_trigger - self.get_y()
        fits_a_page = room < whole <= page_body
        # Headings are never left alone at the foot of a page above a short first row.
        orphaned = tall(head) + first > room and first <= page_body / 3
        if fits_a_page or orphaned:
            self.add_page()
        draw_headings()
        for wrapped in body:
            height = tall(wrapped)
            room = self.page_break_trigger - self.get_y()
            if height > room and height <= page_body / 3:
                self.add_page()
                draw_headings()
            self._grid_row(columns, wrapped, size, line_height, pad, repeat=draw_headings)

    def _wrap(
        self,
        columns: Sequence[Column],
        cells: Sequence[str],
        size: float,
        line_height: float,
        *,
        bold: bool = False,
    ) -> list[list[str]]:
        """Each cell's text broken into the lines its column can hold (words whole; a word
        wider than the column, such as a hash, is broken between characters)."""
        wrapped: list[list[str]] = []
        for column, text in zip(columns, cells, strict=True):
            self.set_font("DejaVu", "B" if bold or column.bold else "", size)
            lines = self.multi_cell(
                column.width,
                line_height,
                visible(text),
                dry_run=True,
                output=MethodReturnValue.LINES,
                wrapmode=WrapMode.WORD,
            )
            assert isinstance(lines, list)
            wrapped.append([str(line) for line in lines] or [""])
        return wrapped

    def _grid_row(
        self,
        columns: Sequence[Column],
        wrapped: list[list[str]],
        size: float,
        line_height: float,
        pad: float,
        *,
        bold: bool = False,
        fill: bool = False,
        repeat: Callable[[], None] | None = None,
    ) -> None:
        """Draw one wrapped row line by line, breaking the page between lines if it must."""
        height = max(len(lines) for lines in wrapped)
        left = self.l_margin
        if self.get_y() + pad + line_height > self.page_break_trigger:
            self.add_page()
            if repeat is not None:
                repeat()
        y = self.get_y()
        if fill:
            self.set_fill_color(*HEADING_FILL)
            self.rect(left, y, sum(c.width for c in columns), height * line_height + 2 * pad, "F")
        y += pad
        for index in range(height):
            if y + line_height > self.page_break_trigger:
                self.add_page()
                if repeat is not None:
                    repeat()
                y = self.get_y() + pad
            x = left
            for column, lines in zip(columns, wrapped, strict=True):
                if index < len(lines):
                    self.set_font("DejaVu", "B" if bold or column.bold else "", size)
                    self.set_xy(x, y)
                    self.cell(column.width, line_height, lines[index], align=column.align)
                x += column.width
            y += line_height
        y += pad
        self.set_draw_color(*RULE)
        self.line(left, y, left + sum(c.width for c in columns), y)
        self.set_xy(left, y)
        self.set_font("DejaVu", "", size)

    def mono(self, text: str) -> None:
        self.set_font("Mono", "", 8)
        self.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)


def visible(text: str) -> str:
    """Control characters made visible: a tab becomes a space, a carriage return a line
    break, and any other control character (which the fonts have no glyph for, so it would
    vanish) its escape, e.g. \\x1b, so what was typed can still be seen."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(
        ch if ch == "\n" or unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}" for ch in text
    )


def shorten(text: str, limit: int, where: str) -> str:
    """`text` up to `limit` characters; past that, cut at a word with a visible "…" and a
    note of how much is left out and where the full text is in the document."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return f"{cut.rstrip()}{ELLIPSIS} [{len(text) - len(cut):,} more characters; in full {where}]"


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
