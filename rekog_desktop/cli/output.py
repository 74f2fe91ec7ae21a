"""Plain-text rendering shared by the commands that print candidate lists."""

from __future__ import annotations

import click

from rekog_desktop.core.scoring.calibration_table import one_in
from rekog_desktop.core.scoring.search import FaceSearch


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters (which can move the cursor or
    rewrite a line) and undecodable file-name bytes shown as escapes, never raw."""
    out = []
    for char in text:
        code = ord(char)
        if code < 32 or 127 <= code < 160:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.append(char)
    return "".join(out)


def echo_candidates(search: FaceSearch) -> None:
    """The preset and the chance a stranger would match, then every candidate (starred when
    marked by the preset) with its estimated false-match rate."""
    chance = search.never_enrolled_match
    odds = "unknown" if chance is None else f"{chance:.1%}"
    count = search.within_tolerance
    if search.preset == "strict":
        threshold = search.strict_threshold or 0.0
        click.echo(
            f"    strict preset: starred when the subject's template distance is at most "
            f"{threshold:.3f}; estimated chance that someone never enrolled "
            f"matches anyone among {search.gallery_subjects} subjects: {odds}"
        )
        rule = "within the strict threshold"
    else:
        click.echo(
            f"    investigative preset: ranked leads; estimated chance that someone never "
            f"enrolled has a face within {search.tolerance} among {search.gallery_subjects} "
            f"subjects: {odds}"
        )
        rule = f"within tolerance {search.tolerance}"
    click.echo(f"    {count} candidate(s) {rule}" if count else f"    no candidate {rule}")
    if search.estimate_caveats:
        click.echo("    the estimated rates are unreliable for this face (see its warnings)")
    for cand in search.candidates:
        mark = "*" if cand.within_tolerance else " "
        odds_one = one_in(cand.est_fmr, search.fmr_floor)
        fmr = f"  est. FMR {odds_one}" if odds_one else ""
        who, where = printable(cand.subject), printable(cand.photo_path)
        click.echo(f"   {mark}{cand.rank:3d}. {cand.distance:.3f}  {who}  {where}{fmr}")
