"""ProbeModel: the current probe picture, its faces, the face being searched and the outcome.

Signals:
    state_changed(str): empty, loading, detecting, ready or error.
    image_changed(): a new picture to show (faces not known yet).
    faces_changed(): the faces of the picture are known.
    face_selected(int): the face (index, largest first) whose candidates are shown.
    outcome_changed(): a (new) search outcome for the probe's faces.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from rekog_desktop.core.common.types import Face
from rekog_desktop.core.scoring.search import FaceSearch
from rekog_desktop.ui.common.qt_images import DisplayImage
from rekog_desktop.ui.search.jobs import SearchOutcome


class ProbeModel(QObject):
    state_changed = Signal(str)
    image_changed = Signal()
    faces_changed = Signal()
    face_selected = Signal(int)
    outcome_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = ""
        self.state = "empty"
        self.error = ""
        self.display: DisplayImage | None = None
        self.faces: tuple[Face, ...] = ()
        self.selected = -1
        self.outcome: SearchOutcome | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path else ""

    def start(self, path: str) -> None:
        self.path = path
        self.display = None
        self.faces = ()
        self.selected = -1
        self.outcome = None
        self.error = ""
        self._set_state("loading")
        self.image_changed.emit()
        self.faces_changed.emit()
        self.outcome_changed.emit()

    def set_display(self, display: DisplayImage) -> None:
        self.display = display
        self._set_state("detecting")
        self.image_changed.emit()

    def set_faces(self, faces: tuple[Face, ...]) -> None:
        self.faces = faces
        self.faces_changed.emit()

    def set_outcome(self, outcome: SearchOutcome) -> None:
        self.outcome = outcome
        if not self.faces:
            self.faces = tuple(s.face for s in outcome.probe.faces)
            self.faces_changed.emit()
        self._set_state("ready")
        self.outcome_changed.emit()
        if self.faces and not 0 <= self.selected < len(self.faces):
            self.select(0)
        elif self.faces:
            self.face_selected.emit(self.selected)

    def set_error(self, message: str) -> None:
        self.error = message
        self._set_state("error")

    def clear(self) -> None:
        self.path = ""
        self.display = None
        self.faces = ()
        self.selected = -1
        self.outcome = None
        self.error = ""
        self._set_state("empty")
        self.image_changed.emit()
        self.faces_changed.emit()
        self.outcome_changed.emit()

    def select(self, index: int) -> None:
        if not 0 <= index < len(self.faces) or index == self.selected:
            return
        self.selected = index
        self.face_selected.emit(index)

    @property
    def selected_face(self) -> Face | None:
        return self.faces[self.selected] if 0 <= self.selected < len(self.faces) else None

    @property
    def selected_search(self) -> FaceSearch | None:
        if self.outcome is None or not 0 <= self.selected < len(self.outcome.probe.faces):
            return None
        return self.outcome.probe.faces[self.selected]

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)
