"""The app's tables: rows selected whole, one at a time, never edited in place."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTableWidget


def _read_only(table: QTableView) -> QTableView:
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    return table


def read_only_table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    return _read_only(table)


def read_only_view(model: QAbstractItemModel) -> QTableView:
    """A table of ``model`` (which names the columns): long tables, whose rows are asked for only
    when they are shown."""
    view = QTableView()
    view.setModel(model)
    return _read_only(view)
