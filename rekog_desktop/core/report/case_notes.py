"""PDF case notes: a document a prosecutor or a defence expert can follow without the app.

Built with fpdf2 (no Qt), from the store alone: the probe and candidate face crops saved with each
search, every candidate shown, every decision and verification, the searches that found nothing
(disclosure), the notes, and the case's audit events with the chain status. The PDF's own SHA-256
is logged in the audit trail after it is written.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import Exported
from rekog_desktop.core.audit.verify import TrailStatus, verify_trail
from rekog_desktop.core.cases.cases import Case, get_case, list_notes
from rekog_desktop.core.cases.decisions import Decision
from rekog_desktop.core.cases.searches import (
    CandidateRecord,
    SearchRecord,
    face_label,
    search_thumbnails,
)
from rekog_desktop.core.cases.searches import searches_for_case as _searches
from rekog_desktop.core.common.clock import os_user
from rekog_desktop.core.faces.images import sha256_file
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.disclosure import (
    Nothing,
    count_line,
    disclosure_section,
    found_nothing,
)
from rekog_desktop.core.report.limitations import known_limitations
from rekog_desktop.core.report.pdf_layout import (
    GREY,
    LEAD_ONLY,
    WARN,
    CaseNotesPDF,
    Column,
    margins,
    shorten,
)
from rekog_desktop.core.report.probe_block import probe_picture_block
from rekog_desktop.core.report.provenance import origin_lines
from rekog_desktop.core.scoring.calibration_table import one_in, shipped_table, variant_of
from rekog_desktop.core.scoring.search import ESTIMATE_SCOPE, estimate_caveats
from rekog_desktop.core.scoring.wording import (
    FMR_DEFINITION,
    PHOTO_DISTANCE_DEFINITION,
    SUBJECT_DISTANCE_DEFINITION,
)

__all__ = ["LEAD_ONLY", "ExportResult", "export_case_pdf"]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    pages: int


def export_case_pdf(
    store: GalleryStore, case_number: str, path: str | Path, *, actor: str, anchor: str = ""
) -> ExportResult:
    """Write the case notes to `path` (atomically) and log the export with the file's SHA-256.
    `anchor`: the signed checkpoint of the trail taken just before, printed on the cover."""
    case = get_case(store, case_number)
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise OSError(f"{target} is a folder: give a file name ending in .pdf")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    pdf = CaseNotesPDF(case.number, generated)
    searches = _searches(store, case.number)
    nothing = found_nothing(store, case.number, searches)
    chain = verify_trail(store)
    _cover(pdf, store, case, searches, nothing, chain, actor, anchor)
    _search_sections(pdf, store, searches)
    _reviewed_pairs(pdf, store, searches)
    disclosure_section(pdf, nothing)
    _notes(pdf, store, case)
    _audit_section(pdf, store, case, chain)

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".case-notes-", suffix=".pdf", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(pdf.output()))
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    digest = sha256_file(target)
    trail.append_event(
        store,
        Exported(path=str(target), sha256=digest, pages=pdf.pages_count),
        actor=actor,
        case_number=case.number,
    )
    return ExportResult(target, digest, pdf.pages_count)


def _cover(
    pdf: CaseNotesPDF,
    store: GalleryStore,
    case: Case,
    searches: list[SearchRecord],
    nothing: Nothing,
    chain: TrailStatus,
    actor: str,
    anchor: str,
) -> None:
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, "Face search case notes", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_text_color(*WARN)
    pdf.multi_cell(
        0,
        6,
        f"{LEAD_ONLY}. A candidate is a person whose enrolled photo is close to the probe by "
        "an automatic measure; it is a lead for further inquiry, never proof of identity.",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    decisions = [d for s in searches for d in s.decisions.values()]
    pdf.fields(
        [
            ("Case number", case.number),
            ("Title", case.title),
            ("Offence / purpose", case.purpose),
            ("Legal basis", case.legal_basis),
            ("Officer", case.officer),
            ("Status", case.status),
            ("Opened (UTC)", case.opened_utc),
            ("Closed (UTC)", case.closed_utc or "-"),
            ("Searches", count_line(searches, nothing)),
            ("Decisions", _decision_counts(decisions)),
            ("Exported by", f"{actor} (OS user {os_user()})"),
            ("Gallery store", str(store.path)),
            ("Audit chain", _chain_text(chain)),
            ("Signed checkpoint", anchor or "none taken"),
        ]
    )
    pdf.heading("How to read the distances", 11)
    pdf.para(
        "Each candidate has two distances, both printed, and the estimated false-match rate "
        "belongs to the second. Descriptors are the 128 numbers the dlib ResNet model computes "
        "for a face.",
        size=9,
    )
    pdf.bullets(
        [
            PHOTO_DISTANCE_DEFINITION + " 0.6 is dlib's published operating point, 99.38% "
            "accurate on the LFW benchmark of mostly frontal, adult, well-lit celebrity photos.",
            SUBJECT_DISTANCE_DEFINITION,
            FMR_DEFINITION,
        ],
        size=8.5,
    )
    pdf.para(
        "Real probes are often worse than the benchmark: small, blurred, turned or dark faces "
        "make every distance less reliable, and such warnings are listed with each probe.",
        size=9,
    )
    pdf.heading("Known limitations", 11)
    pdf.para(
        "What face search cannot do, as stated in the application (Help > About):",
        size=9,
    )
    pdf.bullets(known_limitations(), size=8.5)


def _decision_counts(decisions: list[Decision]) -> str:
    if not decisions:
        return "none"
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.verdict.value] = counts.get(d.verdict.value, 0) + 1
    return ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))


def _chain_text(chain: TrailStatus) -> str:
    if chain.ok:
        return f"verified OK: {chain.events} events, head {chain.head_hash}"
    return (
        f"BROKEN at event {chain.first_bad_id}: {chain.problem} "
        f"(the trail after that event cannot be trusted)"
    )


def _search_title(search: SearchRecord) -> str:
    if search.kind == "video":
        return f"Search {search.id}: video probe, {search.face_label}{_clip_where(search)}"
    return f"Search {search.id}: {search.kind} probe, {search.face_label}"


def _clip_where(search: SearchRecord) -> str:
    """Where in the clip a track is and which frame its searched face was taken from."""
    start, end = search.context.get("start_s"), search.context.get("end_s")
    shot = search.context.get("best_frame_s")
    if shot is None or start is None or end is None:
        return ""
    return (
        f", {start:.2f}-{end:.2f} s, searched face from frame "
        f"{search.context.get('best_frame')} at {search.context.get('timecode')} ({shot:.2f} s)"
    )


def _search_sections(pdf: CaseNotesPDF, store: GalleryStore, searches: list[SearchRecord]) -> None:
    pdf.new_section()
    pdf.heading("Searches", 16)
    if not searches:
        pdf.para("No search was run in this case.")
    for search in searches:
        # A search (heading, facts, candidates: about 125 mm) is kept on one page if it fits.
        if pdf.get_y() > pdf.page_break_trigger - 125:
            pdf.add_page()
        pdf.heading(_search_title(search), 12)
        probe_jpeg, _ = search_thumbnails(store, search.id)
        top = pdf.get_y()
        if probe_jpeg:
            pdf.image(io.BytesIO(probe_jpeg), x=pdf.w - 15 - 30, y=top, w=30)
        warnings = search.quality.get("warnings") or []
        rows = [
            ("Run (UTC) by", f"{search.created_utc} by {search.actor}"),
            ("Probe file", search.probe_path),
            ("Probe SHA-256", search.probe_sha256),
            (
                "Face box",
                "top, right, bottom, left = " + ", ".join(map(str, search.face_box.as_list())),
            ),
            ("Probe type", _probe_type_line(search)),
            ("Probe quality", "; ".join(warnings) if warnings else "no quality warning"),
            ("Settings", _settings_line(search)),
            ("Estimates", _estimates_line(search)),
            (
                "Engine",
                f"{search.engine} ({search.engine_version}); "
                f"gallery of {search.gallery_faces} faces",
            ),
            (
                "Result",
                f"{search.within_tolerance} candidate(s) {_rule(search)}"
                if search.within_tolerance
                else f"NO CANDIDATE {_rule(search).upper()}",
            ),
        ]
        with margins(pdf, right=15 + 34):
            pdf.fields(rows, key_width=35, line_height=4.5)
        probe_picture_block(pdf, store, search)
        _candidate_table(pdf, search)
        pdf.ln(4)


def _probe_type_line(search: SearchRecord) -> str:
    """What the officer said the probe was, with the warning recorded for it."""
    kind = str(search.context.get("probe_type") or ("video" if search.kind == "video" else "photo"))
    warning = search.context.get("probe_warning")
    return f"{kind}: WARNING, {warning}" if warning else kind


def _settings_line(search: SearchRecord) -> str:
    line = f"{search.preset} preset, top {search.top_k}, tolerance {search.tolerance}"
    if search.preset == "strict" and search.strict_threshold is not None:
        line += f", strict threshold {search.strict_threshold:.3f} (subject distance)"
    return line


def _rule(search: SearchRecord) -> str:
    """What marked a candidate in this search (the preset's cut)."""
    return "within the strict threshold" if search.preset == "strict" else "within tolerance"


def _unreliable(search: SearchRecord) -> bool:
    return bool(estimate_caveats(search.quality.get("warnings") or []))


def _estimates_line(search: SearchRecord) -> str:
    """What the officer was told a result means, and when not to trust it."""
    if search.never_enrolled_match is None:
        return "no calibrated estimate was recorded for this search"
    cut = "the strict threshold" if search.preset == "strict" else f"{search.tolerance}"
    subjects = search.gallery_subjects if search.gallery_subjects is not None else "?"
    text = (
        f"Estimated chance that someone never enrolled matches anyone within {cut} among "
        f"{subjects} subjects: {search.never_enrolled_match:.1%}. {ESTIMATE_SCOPE}"
    )
    if _unreliable(search):
        text = "UNRELIABLE for this probe face (see quality; rates marked '?'). " + text
    return text


def _floor(search: SearchRecord) -> float | None:
    """The smallest estimate the search's calibration could give. Searches recorded before it
    was kept get their engine's shipped table floor, which an estimate at it cannot be below."""
    if search.fmr_floor is not None:
        return search.fmr_floor
    table = shipped_table(variant_of(search.engine))
    return table.impostor_cdf[0]


def _odds(search: SearchRecord, est_fmr: float | None) -> str:
    """The candidate's estimated false-match rate as odds, marked '?' as on screen when the
    probe's quality makes it unreliable."""
    text = one_in(est_fmr, _floor(search))
    if not text:
        return "-"
    return f"{text} ?" if _unreliable(search) else text


def _candidate_table(pdf: CaseNotesPDF, search: SearchRecord) -> None:
    if not search.candidates:
        pdf.para("The gallery was empty: no candidate to list.", size=9)
        return
    rows = []
    for cand in search.candidates:
        decision = search.decisions.get(cand.rank)
        verdict = ""
        if decision:
            verdict = f"{decision.verdict.value} by {decision.reviewer}"
            if decision.verdict.value == "accept":
                verdict += f" ({decision.verification_status})"
            if decision.reason:
                verdict += ": " + shorten(decision.reason, 160, "under Reviewed pairs")
        if cand.previously_rejected:
            verdict = (verdict + "; " if verdict else "") + "rejected for this face elsewhere"
        rows.append(
            [
                str(cand.rank),
                cand.subject,
                f"{cand.distance:.3f}",
                _subject_distance(cand),
                "yes" if cand.within_tolerance else "no",
                _odds(search, cand.est_fmr),
                verdict,
            ]
        )
    cut = "strict threshold" if search.preset == "strict" else f"tolerance {search.tolerance}"
    pdf.grid(
        [
            Column(8, "R"),
            Column(40),
            Column(17, "R"),
            Column(17, "R"),
            Column(15, "C"),
            Column(25, "R"),
            Column(58),
        ],
        rows,
        headings=[
            "#",
            "Subject",
            "Photo distance",
            "Subject distance",
            "Within" if search.preset == "strict" else "Within (photo)",
            "Est. FMR (subject distance)",
            "Decision",
        ],
        size=8,
        line_height=4.2,
    )
    pdf.para(
        f"Ranked by photo distance; 'within' means within the {cut}. The estimated "
        "false-match rate is read at the subject distance beside it (see 'How to read the "
        "distances' on the cover), so it does not follow the photo distance.",
        size=7,
        colour=GREY,
    )


def _subject_distance(cand: CandidateRecord) -> str:
    if cand.template_distance is not None:
        return f"{cand.template_distance:.3f}"
    return "-" if cand.est_fmr is None else "not recorded"


def _reviewed_pairs(pdf: CaseNotesPDF, store: GalleryStore, searches: list[SearchRecord]) -> None:
    reviewed = [(s, d) for s in searches for d in s.decisions.values()]
    pdf.new_section()
    pdf.heading("Reviewed pairs", 16)
    pdf.para(
        "Each pair a person reviewed: the probe face (left) and the candidate's enrolled face "
        "(right) at the same size, with the decision, its reason and any peer verification.",
        size=9,
    )
    if not reviewed:
        pdf.para("No candidate was reviewed in this case.")
    for search, decision in reviewed:
        if pdf.get_y() > pdf.h - 75:
            pdf.add_page()
        cand = next(c for c in search.candidates if c.rank == decision.rank)
        probe_jpeg, cand_jpegs = search_thumbnails(store, search.id)
        top = pdf.get_y() + 2
        for x, jpeg in ((15, probe_jpeg), (55, cand_jpegs.get(decision.rank))):
            if jpeg:
                pdf.image(io.BytesIO(jpeg), x=x, y=top, w=35, h=35, keep_aspect_ratio=True)
            else:
                pdf.rect(x, top, 35, 35)
        pdf.set_xy(15, top + 36)
        pdf.set_font("DejaVu", "", 7)
        pdf.cell(40, 4, f"Probe (search {search.id})")
        pdf.cell(40, 4, f"Candidate rank {cand.rank}")
        page = pdf.page
        pdf.set_xy(98, top)
        with margins(pdf, left=98):
            pdf.para(
                "\n".join(
                    [
                        f"Subject: {cand.subject}",
                        f"Probe: {search.face_label} of {search.probe_path}{_clip_where(search)}",
                        *origin_lines(store, cand),
                        f"Photo distance {cand.distance:.3f} (tolerance {search.tolerance}); "
                        f"subject distance {_subject_distance(cand)}; est. false-match rate "
                        f"{_odds(search, cand.est_fmr)} (at the subject distance)",
                        f"Decision: {decision.verdict.value.upper()} by {decision.reviewer}, "
                        f"{decision.created_utc}",
                        f"Peer verification: {decision.verification_status}",
                    ]
                ),
                size=8,
            )
        # The free text goes under the photos, full width: a reason may be pages long.
        pdf.set_y(max(pdf.get_y(), top + 42) if pdf.page == page else pdf.get_y())
        pdf.para(f"Reason: {decision.reason or '(none given)'}", size=8)
        shown = _verifier_saw(search)
        for v in decision.verifications:
            pdf.para(
                f"Verification: {v.verdict.value} by {v.reviewer} at {v.created_utc}{shown}"
                + (f": {v.reason}" if v.reason else ""),
                size=8,
            )
        pdf.ln(3)
    _rejections(pdf, reviewed)


def _verifier_saw(search: SearchRecord) -> str:
    """What a blind verifier of a clip's decision was shown (the list they chose from gives
    the same frame and timecode): the frame the probe face was taken from."""
    if search.kind != "video" or search.context.get("best_frame") is None:
        return ""
    return (
        f", shown {search.face_label}, frame {search.context.get('best_frame')} at "
        f"{search.context.get('timecode')} of the clip beside the gallery photo"
    )


def _rejections(pdf: CaseNotesPDF, reviewed: list[tuple[SearchRecord, Decision]]) -> None:
    """Every rejected candidate with the reason given, in one list: a reviewer's grounds for
    ruling someone out matter to the defence as much as the grounds for a lead."""
    rejected = [(s, d) for s, d in reviewed if d.verdict.value == "reject"]
    if not rejected:
        return
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.heading("Rejected candidates and the reasons given", 12)
    rows = []
    for search, decision in rejected:
        subject = next(c.subject for c in search.candidates if c.rank == decision.rank)
        rows.append(
            [
                f"{search.id} / {decision.rank}",
                subject,
                f"{decision.reviewer}, {decision.created_utc}",
                shorten(decision.reason, 600, "above") if decision.reason else "(none given)",
            ]
        )
    pdf.grid(
        [Column(20), Column(34), Column(48), Column(pdf.epw - 102)],
        rows,
        headings=["Search / rank", "Subject", "Rejected by", "Reason"],
        size=8,
    )
    pdf.ln(3)


def _notes(pdf: CaseNotesPDF, store: GalleryStore, case: Case) -> None:
    notes = list_notes(store, case.number)
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.heading("Case notes", 14)
    if not notes:
        pdf.para("No notes.", size=9)
    for note in notes:
        pdf.para(f"{note.created_utc}, {note.author}:", size=8, colour=GREY)
        pdf.para(note.text, size=9)
        pdf.ln(1)


def _audit_section(pdf: CaseNotesPDF, store: GalleryStore, case: Case, chain: TrailStatus) -> None:
    pdf.new_section()
    pdf.heading("Audit trail of this case", 16)
    pdf.para(f"Chain status of the whole store: {_chain_text(chain)}.", size=9)
    pdf.para(
        "Each event's SHA-256 covers its content and the previous event's hash; the head hash "
        "above lets anyone check later that no event was altered or removed. The export of this "
        "document is itself logged, with the document's SHA-256, after it is written.",
        size=8,
        colour=GREY,
    )
    pdf.ln(2)
    rows = [
        [
            str(event.id),
            event.created_utc,
            event.actor,
            event.event_type,
            _event_summary(event),
            event.hash[:16] + "…",
        ]
        for event in trail.list_events(store, case_number=case.number)
    ]
    pdf.grid(
        [Column(8, "R"), Column(30), Column(18), Column(27), Column(72), Column(25)],
        rows,
        headings=["#", "Time (UTC)", "Actor", "Event", "Details", "Hash"],
        size=7,
        line_height=3.6,
    )


#: Free text longer than this is cut in the audit table with "…" and a pointer to the section
#: that has it in full, so the trail stays a readable table.
_DETAIL = 300


def _event_summary(event: trail.AuditEvent) -> str:
    data = event.data
    kind = event.event_type
    if kind == "search":
        status = (
            "no candidate within tolerance"
            if data.get("no_match")
            else (f"{data.get('within_tolerance')} within tolerance")
        )
        face = face_label(str(data.get("kind", "image")), int(data.get("face_index", 0)))
        return f"search {data.get('search_id')}: {data.get('probe_path')}, {face}; {status}"
    if kind == "decision":
        return (
            f"search {data.get('search_id')} rank {data.get('rank')} ({data.get('subject')}): "
            f"{data.get('verdict')}: "
            + shorten(str(data.get("reason") or ""), _DETAIL, "under Reviewed pairs")
        )
    if kind == "candidate_viewed":
        return f"viewed search {data.get('search_id')} rank {data.get('rank')}"
    if kind == "verification":
        reason = shorten(str(data.get("reason") or ""), _DETAIL, "under Reviewed pairs")
        return f"decision {data.get('decision_id')}: {data.get('verdict')} {reason}".rstrip()
    if kind == "export":
        return f"{data.get('format')} {data.get('path')} sha256 {str(data.get('sha256'))[:16]}…"
    if kind == "probe_without_face":
        return f"no face found in {data.get('probe_path')}"
    if kind == "video_scan":
        return (
            f"{data.get('probe_path')}: {data.get('message')}; searches "
            f"{', '.join(map(str, data.get('search_ids') or [])) or 'none'}"
            + ("; ranked again" if data.get("reranked") else "")
        )
    if kind == "note_added":
        return shorten(str(data.get("text", "")), _DETAIL, "under Case notes")
    # A case's fields are in full on the cover; any other event's values are only here, so
    # they are kept whole (the table row runs over pages if it must).
    limit = _DETAIL if kind == "case_opened" else None
    text = ", ".join(
        f"{k}={v if limit is None else shorten(str(v), limit, 'on the cover')}"
        for k, v in data.items()
        if not isinstance(v, list | dict)
    )
    # Lists and dicts (e.g. an import's file list) are counted, not dropped without a word.
    text += "".join(
        f", {k}: {len(v)} item(s)" for k, v in data.items() if isinstance(v, list | dict)
    )
    return text.lstrip(", ")
