"""The probe type is stated before a search and kept with it: the strict preset refuses
sketches and look-alikes; the investigative preset searches them under a warning that goes
into the record and the PDF."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

REKOG = str(Path(sys.executable).with_name("rekog"))


def _rekog(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REKOG, "--db", str(db), *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def db(gallery_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "g.sqlite"
    shutil.copy(gallery_path, path)
    opened = _rekog(
        path,
        "case",
        "new",
        "--number",
        "S1",
        "--title",
        "t",
        "--purpose",
        "p",
        "--legal-basis",
        "b",
    )
    assert opened.returncode == 0, opened.stderr
    return path


@pytest.mark.parametrize("kind", ["sketch", "lookalike"])
def test_strict_refuses_probes_that_are_not_of_the_person(
    db: Path, held_out: dict[str, Path], kind: str
) -> None:
    result = _rekog(
        db,
        "search",
        str(held_out["joe_biden"]),
        "--case",
        "S1",
        "--preset",
        "strict",
        "--probe-type",
        kind,
    )
    assert result.returncode == 2 and "strict preset refuses" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM searches").fetchone() == (0,)


def test_investigative_searches_a_sketch_under_a_recorded_warning(
    db: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    result = _rekog(
        db, "search", str(held_out["joe_biden"]), "--case", "S1", "--probe-type", "sketch", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["probe_type"] == "sketch"
    with sqlite3.connect(db) as conn:
        (context,) = conn.execute("SELECT context FROM searches").fetchone()
        (event,) = conn.execute("SELECT data FROM audit WHERE event_type = 'search'").fetchone()
    recorded = json.loads(context)
    assert recorded["probe_type"] == "sketch" and "not a photo" in recorded["probe_warning"]
    assert json.loads(event)["context"]["probe_type"] == "sketch"
    pdf = tmp_path / "notes.pdf"
    assert _rekog(db, "export", "S1", "--pdf", str(pdf)).returncode == 0
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "sketch: WARNING" in text
