"""The main window's actions, menus and tool bar, built in one place (as Qt Designer's setupUi
would): MainWindow keeps the behaviour and the wiring."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar, QWidget

from rekog_desktop.ui.common import theme


def _action(
    window: QMainWindow,
    text: str,
    icon: str = "",
    shortcut: str | QKeySequence | QKeySequence.StandardKey = "",
) -> QAction:
    action = QAction(theme.icon(icon) if icon else theme.icon("none"), text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    return action


class WindowActions:
    """The main window's actions, menus and tool bar (as a Designer setupUi would make them);
    the window connects them. Built with the window, never importing it."""

    def __init__(self, window: QMainWindow) -> None:
        self.import_action = _action(window, "Import photos…", "import", "Ctrl+I")
        self.import_folder_action = _action(window, "Import folder…", "import", "Ctrl+Shift+I")
        self.probe_action = _action(window, "Open probe…", "probe", QKeySequence.StandardKey.Open)
        self.open_store_action = _action(window, "Open store…", "store")
        self.new_store_action = _action(window, "New store…", "store")
        self.about_action = _action(window, "About rekog-desktop", "about")
        self.quit_action = _action(window, "Quit", "", QKeySequence.StandardKey.Quit)
        self.gallery_tab_action = _action(window, "Gallery", "gallery", "Ctrl+1")
        self.search_tab_action = _action(window, "Search", "search", "Ctrl+2")
        self.audit_tab_action = _action(window, "Audit trail", "audit", "Ctrl+3")
        self.case_action = _action(window, "Case…", "case", "Ctrl+K")
        self.case_action.setToolTip("Pick or open the case this work belongs to")
        self.export_action = _action(window, "Export case PDF…", "pdf", "Ctrl+E")
        self.export_action.setToolTip("Write the case notes: searches, decisions, audit events")
        self.export_action.setEnabled(False)
        self.note_action = _action(window, "Add a note…", "note", "Ctrl+N")
        self.verify_action = _action(window, "Verify accepted pairs (blind)…", "verify")
        self.verify_action.setToolTip(
            "Peer verification: re-examine other reviewers' accepted pairs"
        )
        self.close_case_action = _action(window, "Close case…", "case")
        self.purge_case_action = _action(window, "Purge a closed case…", "case")
        self.purge_case_action.setToolTip(
            "Remove a closed case's records after the store's retention period (supervisor)"
        )
        for action in (self.note_action, self.verify_action, self.close_case_action):
            action.setEnabled(False)
        self.reviewer_action = _action(window, "Reviewer", "user")
        self.reviewer_action.setToolTip("Who is reviewing: every view and decision is signed")

        menu = window.menuBar().addMenu("&File")
        for action in (self.import_action, self.import_folder_action, self.probe_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.open_store_action)
        menu.addAction(self.new_store_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        case_menu = window.menuBar().addMenu("&Case")
        case_menu.addAction(self.case_action)
        case_menu.addAction(self.note_action)
        case_menu.addAction(self.verify_action)
        case_menu.addAction(self.export_action)
        case_menu.addAction(self.close_case_action)
        case_menu.addAction(self.purge_case_action)
        case_menu.addSeparator()
        case_menu.addAction(self.reviewer_action)
        view = window.menuBar().addMenu("&View")
        view.addAction(self.gallery_tab_action)
        view.addAction(self.search_tab_action)
        view.addAction(self.audit_tab_action)
        self.help_menu = window.menuBar().addMenu("&Help")
        self.help_menu.addAction(self.about_action)

        self.toolbar = QToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.import_action)
        self.toolbar.addAction(self.probe_action)
        self.toolbar.addSeparator()
        self.case_badge = QLabel("No case")
        self.case_badge.setObjectName("caseBadge")
        self.case_badge.setProperty("empty", True)
        self.toolbar.addWidget(self.case_badge)
        self.toolbar.addAction(self.case_action)
        self.toolbar.addAction(self.export_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addAction(self.reviewer_action)
        self.toolbar.addAction(self.about_action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
