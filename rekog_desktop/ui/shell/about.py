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
from rekog_desktop.core.report.limitations import (  # one text for About and the PDF
    GALLERY_SIZES,
    LIMITATIONS,
    measured_limits,
)
from rekog_desktop.ui.common import theme

__all__ = ["GALLERY_SIZES", "LIMITATIONS", "AboutDialog", "measured_limits"]


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
