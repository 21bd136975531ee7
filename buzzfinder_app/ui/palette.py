"""Colours, symbols and the application style sheet.

The class colours follow the Okabe–Ito palette, which stays distinguishable for the common forms
of colour blindness; every coloured mark also carries a letter or symbol so colour is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette, QPen
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class ClassStyle:
    label: str
    title: str
    symbol: str
    letter: str
    color: str
    hint: str
    #: The colour for text on the dark background (the fill colour, lightened where it is too dark).
    text: str = ""

    @property
    def text_color(self) -> str:
        return self.text or self.color


CLASS_STYLES = {
    "clean": ClassStyle("clean", "Clean", "✓", "C", "#009E73", "the string rings freely"),
    "buzzy": ClassStyle("buzzy", "Buzzy", "≈", "B", "#E69F00", "the string rattles against the fret"),
    "muted": ClassStyle("muted", "Muted", "■", "M", "#0072B2", "the string is damped, no pitch rings",
                        "#56B4E9"),
    "unsure": ClassStyle("unsure", "Unsure", "?", "?", "#999999", "the model is not confident"),
}

#: Order in which the probabilities are shown.
DISPLAY_ORDER = ("clean", "buzzy", "muted")

BACKGROUND = "#16181D"
SURFACE = "#1F232A"
SURFACE_RAISED = "#272C35"
BORDER = "#343A46"
TEXT = "#E8EAED"
TEXT_DIM = "#9AA3B2"
ACCENT = "#8C9EFF"
WARNING = "#E69F00"
ERROR = "#D55E00"
METER_OK = "#009E73"
METER_HOT = "#F0E442"
METER_CLIP = "#D55E00"


def style_for(label: str | None) -> ClassStyle:
    """The style of a verdict label; unknown labels look unsure."""
    return CLASS_STYLES.get(label or "unsure", CLASS_STYLES["unsure"])


def verdict_pen_and_brush(label: str, final: bool, width: float, fill_alpha: int):
    """How a verdict mark is painted: filled with its class colour when final; a dashed outline over a
    faint fill while it is provisional."""
    colour = QColor(style_for(label).color)
    if final:
        return QPen(Qt.NoPen), colour
    fill = QColor(colour)
    fill.setAlpha(fill_alpha)
    return QPen(colour, width, Qt.DashLine), fill


def qcolor(label_or_hex: str, alpha: int = 255) -> QColor:
    """A QColor for a class label or a hex colour."""
    hex_ = CLASS_STYLES[label_or_hex].color if label_or_hex in CLASS_STYLES else label_or_hex
    c = QColor(hex_)
    c.setAlpha(alpha)
    return c


def rgba(hex_: str, alpha: int) -> str:
    """A style-sheet ``rgba()`` for a hex colour (Qt reads 8-digit hex as #AARRGGBB, so avoid it)."""
    c = QColor(hex_)
    return f"rgba({c.red()}, {c.green()}, {c.blue()}, {alpha})"


STYLE_SHEET = f"""
QWidget {{ color: {TEXT}; }}
QMainWindow, QDialog, QWizard {{ background: {BACKGROUND}; }}
QToolTip {{ background: {SURFACE_RAISED}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QFrame#card, QFrame#panel {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px;
}}
QLabel#h1 {{ font-size: 20pt; font-weight: 600; }}
QLabel#verdictTitle {{ font-size: 30pt; font-weight: 700; }}
QLabel#h2 {{ font-size: 13pt; font-weight: 600; }}
QLabel#dim, QLabel#caption {{ color: {TEXT_DIM}; }}
QLabel#caption {{ font-size: 8.5pt; letter-spacing: 1px; text-transform: uppercase; }}
QLabel#stat {{ font-size: 18pt; font-weight: 600; }}
QPushButton {{
    background: {SURFACE_RAISED}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 6px 14px; min-height: 18px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:pressed {{ background: {BORDER}; }}
QPushButton:disabled {{ color: #5C6370; }}
QPushButton#primary {{ background: #3F51B5; border-color: #5C6BC0; font-weight: 600; }}
QPushButton#primary:hover {{ background: #5C6BC0; }}
QPushButton#primary:checked {{ background: {ERROR}; border-color: #E87A33; }}
QPushButton#primary:disabled {{ background: {SURFACE_RAISED}; border-color: {BORDER}; color: #5C6370; }}
QStackedWidget#pages {{ border: none; border-top: 1px solid {BORDER}; }}
QTabBar {{ qproperty-drawBase: 0; }}
QTabBar::tab {{
    background: transparent; color: {TEXT_DIM}; padding: 8px 18px; border: none;
    border-bottom: 2px solid transparent; font-weight: 600;
}}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QComboBox, QLineEdit {{
    background: {SURFACE_RAISED}; border: 1px solid {BORDER}; border-radius: 5px; padding: 4px 8px;
}}
QComboBox:disabled, QLineEdit:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled {{ color: #5C6370; }}
QComboBox QAbstractItemView {{ background: {SURFACE_RAISED}; selection-background-color: #3F51B5; }}
QTableView, QTableWidget {{
    background: {SURFACE}; alternate-background-color: {SURFACE_RAISED}; gridline-color: {BORDER};
    border: 1px solid {BORDER}; border-radius: 6px; selection-background-color: #3F51B5;
}}
QHeaderView::section {{
    background: {SURFACE_RAISED}; color: {TEXT_DIM}; border: none; border-bottom: 1px solid {BORDER};
    padding: 5px 8px; font-weight: 600;
}}
QProgressBar {{
    background: {SURFACE_RAISED}; border: 1px solid {BORDER}; border-radius: 5px; text-align: center;
    min-height: 14px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QStatusBar {{ background: {SURFACE}; color: {TEXT_DIM}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ color: {TEXT_DIM}; padding: 0 8px; }}
QMenuBar {{ background: {SURFACE}; }}
QMenuBar::item:selected {{ background: {SURFACE_RAISED}; }}
QMenu {{ background: {SURFACE_RAISED}; border: 1px solid {BORDER}; }}
QMenu::item:selected {{ background: #3F51B5; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 2px; }}
QScrollBar::handle {{ background: {BORDER}; border-radius: 3px; min-height: 24px; min-width: 24px; }}
QScrollBar::handle:hover {{ background: #4A5262; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px; padding-top: 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; color: {TEXT_DIM}; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: 15px; height: 15px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style with a dark palette and the app's style sheet."""
    app.setStyle("Fusion")
    pal = QPalette()
    for role, colour in (
        (QPalette.Window, BACKGROUND), (QPalette.WindowText, TEXT), (QPalette.Base, SURFACE),
        (QPalette.AlternateBase, SURFACE_RAISED), (QPalette.Text, TEXT), (QPalette.Button, SURFACE_RAISED),
        (QPalette.ButtonText, TEXT), (QPalette.Highlight, "#3F51B5"), (QPalette.HighlightedText, "#FFFFFF"),
        (QPalette.ToolTipBase, SURFACE_RAISED), (QPalette.ToolTipText, TEXT), (QPalette.PlaceholderText, TEXT_DIM),
        (QPalette.Link, ACCENT),
    ):
        pal.setColor(role, QColor(colour))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor("#5C6370"))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#5C6370"))
    app.setPalette(pal)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
