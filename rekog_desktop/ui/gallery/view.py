"""GalleryView: subjects on the left, the chosen subject's photos on the right; a drop target.

Signals:
    import_requested(list): paths dropped on the gallery, or [] for "choose files".
    subject_opened(int): a subject (or UNASSIGNED_ID / AWAITING_ID) was selected; load its
        photos.
    remove_photo_requested(int, str): photo id and file name.
    remove_subject_requested(int, str): subject id and name.
    enrol_face_requested(int, int): photo id and 1-based face number, to file under a subject.
"""

# ruff: noqa: N802  (Qt's camelCase virtual methods are overridden by name)

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rekog_desktop.ui.common import theme
from rekog_desktop.ui.common.widgets import Panel, local_paths
from rekog_desktop.ui.gallery.delegates import PhotoTileDelegate, SubjectDelegate
from rekog_desktop.ui.gallery.photo_model import PhotoTileModel
from rekog_desktop.ui.gallery.subject_model import (
    AWAITING_ID,
    UNASSIGNED_ID,
    SubjectIdRole,
    SubjectListModel,
    is_pseudo_row,
)


class _DropHint(QWidget):
    """What an empty gallery shows: how to fill it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        art = QLabel()
        art.setPixmap(theme.icon("drop").pixmap(QSize(96, 96)))
        art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Drag photos or folders here to import them")
        title.setObjectName("panelTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Each folder can become one subject (for example custody photos sorted by person).\n"
            "You will be asked how to name subjects and where the photos come from."
        )
        text.setObjectName("muted")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton(theme.icon("import"), "Choose photos…")
        self.button.setObjectName("primary")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        row.addStretch(1)
        for widget in (art, title, text):
            layout.addWidget(widget)
        layout.addSpacing(8)
        layout.addLayout(row)
        layout.addStretch(2)


class GalleryView(QWidget):
    import_requested = Signal(list)
    subject_opened = Signal(int)
    remove_photo_requested = Signal(int, str)
    remove_subject_requested = Signal(int, str)
    enrol_face_requested = Signal(int, int)

    def __init__(
        self,
        subjects: SubjectListModel,
        photos: PhotoTileModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.subjects = subjects
        self.photos = photos
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(subjects)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._current_subject: int | None = None
        self._build()
        self._connect_signals()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.subject_panel = Panel("Subjects")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name")
        self.filter_edit.setClearButtonEnabled(True)
        self.subject_list = QListView()
        self.subject_list.setModel(self.proxy)
        self.subject_list.setItemDelegate(SubjectDelegate(self.subject_list))
        self.subject_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.subject_list.setUniformItemSizes(True)
        self.subject_list.setMouseTracking(True)
        self.subject_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.subject_panel.body.addWidget(self.filter_edit)
        self.subject_panel.body.addWidget(self.subject_list, 1)
        self.import_button = QPushButton(theme.icon("import"), "Import photos…")
        self.import_button.setObjectName("primary")
        self.import_button.setToolTip("Or drag photos and folders anywhere onto the gallery")
        self.subject_panel.body.addWidget(self.import_button)

        self.photo_panel = Panel("Photos")
        self.remove_photo_button = QPushButton(theme.icon("delete"), "Remove photo")
        self.remove_subject_button = QPushButton(theme.icon("delete"), "Remove subject")
        for button in (self.remove_photo_button, self.remove_subject_button):
            button.setEnabled(False)
            self.photo_panel.header.addWidget(button)
        self.photo_grid = QListView()
        self.photo_grid.setModel(self.photos)
        self.photo_grid.setItemDelegate(PhotoTileDelegate(self.photo_grid))
        self.photo_grid.setViewMode(QListView.ViewMode.IconMode)
        self.photo_grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.photo_grid.setMovement(QListView.Movement.Static)
        self.photo_grid.setUniformItemSizes(True)
        self.photo_grid.setSpacing(6)
        self.photo_grid.setMouseTracking(True)
        self.photo_grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.photo_grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.photo_hint = QLabel("Select a subject to see its photos; enrolled faces are outlined.")
        self.photo_hint.setObjectName("hint")
        self.photo_panel.body.addWidget(self.photo_hint)
        self.photo_panel.body.addWidget(self.photo_grid, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("gallerySplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.subject_panel)
        splitter.addWidget(self.photo_panel)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 1000])
        self.subject_panel.setMinimumWidth(260)
        self.splitter = splitter

        self.empty_hint = _DropHint()
        self.stack = QStackedWidget()
        self.stack.addWidget(splitter)
        self.stack.addWidget(self.empty_hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.stack)

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.subject_list.selectionModel().currentChanged.connect(self._on_subject_changed)
        self.photo_grid.selectionModel().currentChanged.connect(self._on_photo_changed)
        self.import_button.clicked.connect(lambda: self.import_requested.emit([]))
        self.empty_hint.button.clicked.connect(lambda: self.import_requested.emit([]))
        self.remove_photo_button.clicked.connect(self._on_remove_photo)
        self.remove_subject_button.clicked.connect(self._on_remove_subject)
        self.photo_grid.customContextMenuRequested.connect(self._on_photo_menu)
        self.subject_list.customContextMenuRequested.connect(self._on_subject_menu)
        self.subjects.modelReset.connect(self._on_subjects_reset)

    # -- state ----------------------------------------------------------------------------

    @property
    def current_subject(self) -> int | None:
        return self._current_subject

    def select_subject(self, subject_id: int) -> None:
        row = self.subjects.row_of(subject_id)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.subjects.index(row))
        self.subject_list.setCurrentIndex(index)

    def _on_subjects_reset(self) -> None:
        empty = self.subjects.rowCount() == 0
        self.stack.setCurrentWidget(self.empty_hint if empty else self.splitter)
        named = [self.subjects.subject(r) for r in range(self.subjects.rowCount())]
        self.subject_panel.set_subtitle(str(sum(1 for s in named if not is_pseudo_row(s.id))))
        if self._current_subject is not None and self.subjects.row_of(self._current_subject) >= 0:
            self.select_subject(self._current_subject)
        else:
            self._current_subject = None
            self.photo_panel.title.setText("Photos")
            self.photo_panel.set_subtitle("")
            self.remove_subject_button.setEnabled(False)
            self.remove_photo_button.setEnabled(False)

    def _on_subject_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        subject_id = int(current.data(SubjectIdRole))
        row = self.subjects.subject(self.subjects.row_of(subject_id))
        changed = subject_id != self._current_subject
        self._current_subject = subject_id
        self.photo_panel.title.setText(row.name)
        self.photo_panel.set_subtitle(current.data(Qt.ItemDataRole.ToolTipRole).split("\n")[1])
        self.remove_subject_button.setEnabled(not is_pseudo_row(subject_id))
        if subject_id == AWAITING_ID:
            hint = (
                "Every photo with a face enrolled as nobody (dashed outline): right-click a "
                "photo to enrol one under a subject."
            )
        elif subject_id == UNASSIGNED_ID:
            hint = "Faces with a dashed outline are not enrolled: right-click a photo to enrol one."
        else:
            hint = "Enrolled faces are outlined in blue; dashed outlines are faces not enrolled."
        self.photo_hint.setText(hint)
        if changed or self.photos.rowCount() == 0:
            self.remove_photo_button.setEnabled(False)
            self.subject_opened.emit(subject_id)

    def _on_photo_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.remove_photo_button.setEnabled(current.isValid())

    # -- actions --------------------------------------------------------------------------

    def _on_remove_photo(self) -> None:
        index = self.photo_grid.currentIndex()
        if index.isValid():
            tile = self.photos.tile(index.row())
            self.remove_photo_requested.emit(tile.photo.id, str(index.data()))

    def _on_remove_subject(self) -> None:
        if self._current_subject is None or is_pseudo_row(self._current_subject):
            return
        row = self.subjects.subject(self.subjects.row_of(self._current_subject))
        self.remove_subject_requested.emit(row.id, row.name)

    def _on_photo_menu(self, pos: QPoint) -> None:
        index = self.photo_grid.indexAt(pos)
        if not index.isValid():
            return
        tile = self.photos.tile(index.row())
        menu = QMenu(self)
        for number, face in enumerate(tile.faces, start=1):
            if face.subject_id is None:
                label = (
                    f"Enrol face {number} as a subject…"
                    if len(tile.faces) > 1
                    else "Enrol this face as a subject…"
                )
                action = menu.addAction(label)
                action.triggered.connect(
                    lambda _=False, n=number: self.enrol_face_requested.emit(tile.photo.id, n)
                )
        if menu.actions():
            menu.addSeparator()
        remove = menu.addAction(theme.icon("delete"), "Remove photo…")
        remove.triggered.connect(
            lambda: self.remove_photo_requested.emit(tile.photo.id, str(index.data()))
        )
        menu.popup(self.photo_grid.viewport().mapToGlobal(pos))

    def _on_subject_menu(self, pos: QPoint) -> None:
        index = self.subject_list.indexAt(pos)
        if not index.isValid() or is_pseudo_row(int(index.data(SubjectIdRole))):
            return
        menu = QMenu(self)
        remove = menu.addAction(theme.icon("delete"), "Remove subject and photos…")
        subject_id, name = int(index.data(SubjectIdRole)), str(index.data())
        remove.triggered.connect(lambda: self.remove_subject_requested.emit(subject_id, name))
        menu.popup(self.subject_list.viewport().mapToGlobal(pos))

    # -- drops ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.import_requested.emit(paths)
