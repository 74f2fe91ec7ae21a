"""Presets and estimated rates as the officer sees them: the preset chosen in the window ranks
the probe again, marks candidates by its own rule, shows each candidate's estimated false-match
rate and the chance a stranger would match, and all of it reaches the case and its PDF. A poor
probe face says the estimates are unreliable instead of showing clean numbers."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtWidgets import QLabel
from ui_helpers import CASE_NUMBER, choose_preset, drop_paths

from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.case_notes import export_case_pdf
from rekog_desktop.core.scoring.wording import one_in
from rekog_desktop.ui.search.candidates_model import FMR
from rekog_desktop.ui.shell.about import AboutDialog, measured_limits


def _search(qtbot, window, probe: Path) -> None:  # type: ignore[no-untyped-def]
    drop_paths(window.search_page.probe_panel, [probe])
    qtbot.waitUntil(lambda: window.probe.state in ("ready", "error"), timeout=60_000)
    qtbot.waitUntil(lambda: window.search.search_id() is not None, timeout=20_000)


def test_one_in_reads_as_plain_odds() -> None:
    assert one_in(None) == ""
    assert one_in(0.25) == "1 in 4"
    assert one_in(1 / 3456) == "1 in 3,500"
    assert one_in(2e-6) == "1 in 500k"
    assert one_in(1 / 7_337_034) == "1 in 7.3M"
    assert one_in(1 / 7_337_034, floor=1 / 7_337_034) == "<1 in 7.3M"  # only a bound
    assert one_in(0.7) == "≥1 in 2"
    assert one_in(1e-8) == "1 in 100M"  # large numbers stay plain numbers
    assert one_in(1 / 12_345_678) == "1 in 12M"
    # rarer rates never read as more common ones
    rates = [0.3, 0.05, 0.01, 1e-3, 1e-4, 1e-5]
    counts = [float(one_in(r)[5:].replace(",", "").replace("k", "e3")) for r in rates]
    assert counts == sorted(counts)


def test_strict_preset_reaches_the_list_the_case_and_the_pdf(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    window = make_window(store_copy)
    panel = window.search_page.candidate_panel
    assert panel.current_preset() == "investigative"
    _search(qtbot, window, held_out["barack_obama"])
    assert window.search.search_id() is not None  # the first search is recorded
    search = window.candidates.search
    assert search is not None and search.preset == "investigative"
    assert "1 in " in window.candidates.index(0, FMR).data()
    assert "never enrolled" in panel.summary.full_text()
    assert "not valid for children" in panel.summary.full_text()  # the scope stays on screen
    assert "within tolerance 0.60" in panel.summary.full_text()
    assert not panel.unreliable.isVisible()

    choose_preset(qtbot, window, "strict")
    assert not panel.tolerance.isEnabled()  # the strict cut is calibrated, not the tolerance
    strict = window.candidates.search
    assert strict.strict_threshold is not None
    assert "strict threshold" in panel.summary.full_text()
    top = window.candidates.candidate(0)
    assert top.subject == "barack_obama"
    assert top.within_tolerance  # a clear held-out photo of an enrolled person passes
    for cand in strict.candidates:  # the mark follows the calibrated rule, not the distance
        assert cand.within_tolerance == (
            cand.template_distance is not None and cand.template_distance <= strict.strict_threshold
        )
    assert window.settings.search.preset == "strict"

    with GalleryStore(store_copy) as store:
        recorded = searches_for_case(store, CASE_NUMBER)
        assert [s.preset for s in recorded] == ["investigative", "strict"]
        assert recorded[1].strict_threshold is not None
        assert recorded[1].never_enrolled_match is not None
        assert all(c.est_fmr is not None for c in recorded[1].candidates)
        pdf = tmp_path / "notes.pdf"
        export_case_pdf(store, CASE_NUMBER, pdf, actor="tester")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    text = re.sub(r"\s+", " ", text)
    assert "strict preset" in text and "investigative preset" in text
    assert "strict threshold" in text
    assert "within the strict threshold" in text  # the result line names the preset's cut
    assert "never enrolled" in text


def test_a_small_probe_face_marks_the_estimates_unreliable(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, faces_dir: Path
) -> None:
    window = make_window(store_copy)
    _search(qtbot, window, faces_dir / "_edgecases" / "obama_240p.jpg")
    search = window.candidates.search
    assert search is not None
    assert any("small face" in w for w in search.face.quality.warnings)
    panel = window.search_page.candidate_panel
    assert panel.unreliable.isVisible()
    assert "unreliable" in panel.unreliable.full_text()
    cell = window.candidates.index(0, FMR)
    assert cell.data().endswith("?")
    assert "Unreliable for this probe" in cell.data(3)  # ToolTipRole


def test_about_states_the_measured_rates(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AboutDialog("dlib test engine")
    qtbot.addWidget(dialog)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "strict preset" in text and "look-alikes" in text
    # the three gallery sizes' rates: more faces, more strangers within tolerance; more
    # subjects, fewer real matches kept by the strict preset
    stranger, kept = (
        re.findall(r"(\d+)% / (\d+)% / (\d+)%", line)[0] for line in measured_limits()[:2]
    )
    assert [int(v) for v in stranger] == sorted(int(v) for v in stranger)
    assert [int(v) for v in kept] == sorted((int(v) for v in kept), reverse=True)


def test_a_preset_chosen_while_the_probe_is_measured_applies(  # type: ignore[no-untyped-def]
    qtbot, make_window, store_copy: Path, held_out: dict[str, Path]
) -> None:
    window = make_window(store_copy)
    panel = window.search_page.candidate_panel
    drop_paths(window.search_page.probe_panel, [held_out["joe_biden"]])
    panel.preset.setCurrentIndex(panel.preset.findData("strict"))  # before any outcome
    qtbot.waitUntil(
        lambda: (
            window.candidates.search is not None
            and window.candidates.search.preset == "strict"
            and not window.pool.jobs
        ),
        timeout=60_000,
    )
    with GalleryStore(store_copy) as store:
        presets = [s.preset for s in searches_for_case(store, CASE_NUMBER)]
    assert presets[-1] == "strict"  # the case holds the search the officer sees
