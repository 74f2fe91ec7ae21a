"""AboutDialog: version, engine and model, and what the model cannot do, in plain words."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop import __version__
from rekog_desktop.core.scoring.calibration_table import (
    gallery_fpir,
    shipped_face_table,
    shipped_table,
    threshold_for_gallery,
)
from rekog_desktop.core.scoring.search import DEFAULT_TOLERANCE
from rekog_desktop.ui.common import theme

LIMITATIONS = [
    "A candidate is an investigative lead, never an identification: the model measures how "
    "similar two faces look, not who someone is.",
    "The model (dlib ResNet, 128-d) was trained on about 3 million faces, mostly adults from "
    "public photos of Western celebrities. Like other face models, it is measurably less "
    "accurate for children, for older people and for people with darker skin; treat leads "
    "for them with extra care.",
    "It is built for near-frontal faces. Accuracy falls with a head turned more than about "
    "30°, with small faces (under 30 px between the eyes), blur, poor or harsh light, "
    "sunglasses, masks and heavy make-up.",
    "A distance of 0.6 is dlib's operating point (dlib publishes 99.38% correct on the LFW "
    "benchmark's pairs; measured here with `rekog eval pairs` on 2,200 LFW development pairs: "
    "99.1% cross-validated with the default 68-point alignment and mirror, 98.7% with "
    "face_recognition's 5-point alignment). Searching a large gallery multiplies the chances "
    "of a close stranger: expect look-alikes within tolerance, and relatives or twins very "
    "close.",
    "It does not judge whether a photo is genuine, recent, edited or a photo of a photo.",
]


GALLERY_SIZES = (100, 1_000, 10_000)


def measured_limits() -> list[str]:
    """What the shipped calibration says a distance means, worked out for a few gallery sizes
    (computed from resources/calibration.json, so the dialog never drifts from the numbers the
    searches use)."""
    table, faces = shipped_table(), shipped_face_table()
    people = table.meta.get("people", "?")
    images = table.meta.get("images", "?")
    lines = []
    sizes = " / ".join(f"{n:,}" for n in GALLERY_SIZES)
    if faces is not None:
        one = faces.fmr(DEFAULT_TOLERANCE)
        fpirs = " / ".join(
            f"{gallery_fpir(one, n, faces.gallery_exponent):.0%}" for n in GALLERY_SIZES
        )
        lines.append(
            f"Measured on the calibration set ({people:,} adults, {images:,} LFW photos): "
            f"two photos of different people fall within {DEFAULT_TOLERANCE:.2f} about 1 in "
            f"{round(1 / one):,} comparisons, two photos of the same person "
            f"{faces.tmr(DEFAULT_TOLERANCE):.0%} of the time. With {sizes} gallery faces, "
            f"someone never enrolled has a face within {DEFAULT_TOLERANCE:.2f} about {fpirs} "
            "of the time: the investigative list always holds look-alikes."
        )
    kept = " / ".join(f"{table.tmr(threshold_for_gallery(table, n)):.0%}" for n in GALLERY_SIZES)
    lines.append(
        "The strict preset holds that chance at 1%, at a price: with "
        f"{sizes} subjects it marks about {kept} of real matches (a clear photo against the "
        "subject's other photos). Unmarked is not 'not this person'."
    )
    lines.append(
        "Checked out of sample (bench/calibration_check.py, 70 photos of 20 people from other "
        "sources, each left out in turn): the strict preset matched none of 70 never-enrolled "
        "probes to someone else (1 with the older 5-point engine: a known look-alike pair), "
        "tolerance 0.60 matched 6 of 70; every enrolled photo found its subject."
    )
    return lines


class AboutDialog(QDialog):
    def __init__(self, engine: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About rekog-desktop")
        self.setMinimumWidth(680)
        logo = QLabel()
        logo.setPixmap(theme.icon("app").pixmap(QSize(64, 64)))
        title = QLabel(f"rekog-desktop {__version__}")
        title.setObjectName("panelTitle")
        tagline = QLabel("Offline face search for investigators. No network calls, ever.")
        tagline.setObjectName("muted")
        engine_label = QLabel(f"Engine and model: {engine}")
        engine_label.setWordWrap(True)
        engine_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QLabel("Known limitations")
        heading.setObjectName("panelTitle")
        limits = QLabel(
            "".join(
                f"<p style='margin:0 0 6px 0'>• {item}</p>"
                for item in [*LIMITATIONS, *measured_limits()]
            )
        )
        limits.setWordWrap(True)
        limits.setTextFormat(Qt.TextFormat.RichText)
        lead = QLabel("Investigative lead only, not an identification")
        lead.setObjectName("leadBanner")
        lead.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(logo)
        names = QVBoxLayout()
        names.addWidget(title)
        names.addWidget(tagline)
        names.addWidget(engine_label)
        top.addLayout(names, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addSpacing(4)
        layout.addWidget(heading)
        # The limitations grow with the measured numbers: scroll rather than clip on a laptop.
        scroll = QScrollArea()
        scroll.setWidget(limits)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(260)
        layout.addWidget(scroll, 1)
        layout.addWidget(lead)
        layout.addWidget(buttons)
