"""The About box: app version, the model's name, version and metrics."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox



def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("buzzfinder")
    except Exception:
        return "0.1"


def _metrics_html(metrics: dict) -> str:
    rows = []
    for key, value in metrics.items():
        if isinstance(value, float):
            text = f"{value:.3f}"
        elif isinstance(value, (int, str)):
            text = str(value)
        elif isinstance(value, dict):
            inner = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()
                              if not isinstance(v, (dict, list)))
            if not inner:
                continue
            text = inner
        else:
            continue
        rows.append(f"<tr><td style='padding-right:12px;color:#9AA3B2'>{html.escape(str(key))}</td>"
                    f"<td>{html.escape(text)}</td></tr>")
    return "<table>" + "".join(rows[:14]) + "</table>" if rows else "<i>no metrics recorded</i>"


def about_text(services) -> str:
    parts = [f"<h2>buzzfinder {html.escape(app_version())}</h2>",
             "<p>Listens to each note you play and tells you whether it rang <b>clean</b>, "
             "<b>buzzed</b> or was <b>muted</b> — to find the lightest pressure that sounds clean.</p>"]
    model = services.model
    if model is not None:
        meta = model.metadata
        parts.append(f"<p><b>Model:</b> {html.escape(meta.name)} {html.escape(str(meta.version))}<br>"
                     f"<span style='color:#9AA3B2'>{html.escape(str(model.path))}</span><br>"
                     f"Unsure below {meta.unsure_threshold:.2f} confidence</p>")
        parts.append("<p><b>Metrics</b></p>" + _metrics_html(meta.metrics))
    else:
        parts.append(f"<p><b>Model:</b> not loaded — {html.escape(str(services.model_error))}</p>")
    return "".join(parts)


def show_about(parent, services) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About buzzfinder")
    box.setTextFormat(box.textFormat().RichText)
    box.setText(about_text(services))
    box.setStandardButtons(QMessageBox.Ok)
    box.exec()
