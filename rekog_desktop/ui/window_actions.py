"""The main window's actions, menus and tool bar, built in one place (as Qt Designer's setupUi
would): MainWindow keeps the behaviour and the wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar, QWidget

from . import theme

if TYPE_CHECKING:
    from .main_window import MainWindow


def _action(
    window: QMainWindow, text: str, icon: str = "", shortcut: str | QKeySequence = ""
) -> QAction:
    action = QAction(theme.icon(icon) if icon else theme.icon("none"), text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    return action


def setup_actions(window: MainWindow) -> None:
    """Create the window's actions (as attributes, like a Designer setupUi), its menus and
    its tool bar; the window connects them."""
    window.import_action = _action(window, "Import photos…", "import", "Ctrl+I")
    window.probe_action = _action(window, "Open probe…", "probe", QKeySequence.StandardKey.Open)
    window.open_store_action = _action(window, "Open store…", "store")
    window.new_store_action = _action(window, "New store…", "store")
    window.about_action = _action(window, "About rekog-desktop", "about")
    window.quit_action = _action(window, "Quit", "", QKeySequence.StandardKey.Quit)
    window.gallery_tab_action = _action(window, "Gallery", "gallery", "Ctrl+1")
    window.search_tab_action = _action(window, "Search", "search", "Ctrl+2")
    window.audit_tab_action = _action(window, "Audit trail", "audit", "Ctrl+3")
    window.case_action = _action(window, "Case…", "case", "Ctrl+K")
    window.case_action.setToolTip("Pick or open the case this work belongs to")
    window.export_action = _action(window, "Export case PDF…", "pdf", "Ctrl+E")
    window.export_action.setToolTip("Write the case notes: searches, decisions, audit events")
    window.export_action.setEnabled(False)
    window.note_action = _action(window, "Add a note…", "note", "Ctrl+N")
    window.verify_action = _action(window, "Verify accepted pairs (blind)…", "verify")
    window.verify_action.setToolTip("Peer verification: re-examine other reviewers' accepted pairs")
    window.close_case_action = _action(window, "Close case…", "case")
    for action in (window.note_action, window.verify_action, window.close_case_action):
        action.setEnabled(False)
    window.reviewer_action = _action(window, "Reviewer", "user")
    window.reviewer_action.setToolTip("Who is reviewing: every view and decision is signed")

    menu = window.menuBar().addMenu("&File")
    for action in (window.import_action, window.probe_action):
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction(window.open_store_action)
    menu.addAction(window.new_store_action)
    menu.addSeparator()
    menu.addAction(window.quit_action)
    case_menu = window.menuBar().addMenu("&Case")
    case_menu.addAction(window.case_action)
    case_menu.addAction(window.note_action)
    case_menu.addAction(window.verify_action)
    case_menu.addAction(window.export_action)
    case_menu.addAction(window.close_case_action)
    case_menu.addSeparator()
    case_menu.addAction(window.reviewer_action)
    view = window.menuBar().addMenu("&View")
    view.addAction(window.gallery_tab_action)
    view.addAction(window.search_tab_action)
    view.addAction(window.audit_tab_action)
    window.help_menu = window.menuBar().addMenu("&Help")
    window.help_menu.addAction(window.about_action)

    window.toolbar = QToolBar("Main")
    window.toolbar.setObjectName("mainToolbar")
    window.toolbar.setMovable(False)
    window.toolbar.setIconSize(QSize(20, 20))
    window.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.toolbar.addAction(window.import_action)
    window.toolbar.addAction(window.probe_action)
    window.toolbar.addSeparator()
    window.case_badge = QLabel("No case")
    window.case_badge.setObjectName("caseBadge")
    window.case_badge.setProperty("empty", True)
    window.toolbar.addWidget(window.case_badge)
    window.toolbar.addAction(window.case_action)
    window.toolbar.addAction(window.export_action)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    window.toolbar.addWidget(spacer)
    window.toolbar.addAction(window.reviewer_action)
    window.toolbar.addAction(window.about_action)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, window.toolbar)
