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


#: How the training report's metrics read in the About box: (label, value format); None hides one.
_METRICS = {
    "heldout_generated_accuracy": ("Held-out generated notes", "percent"),
    "heldout_generated_untouched_accuracy": ("… of them without augmentation", "percent"),
    "ece": ("How far its confidence is off, on average", "percent"),
    "ece_before_temperature": ("… before its confidence was corrected", "percent"),
    "yardstick": ("Another guitar's clean notes heard buzzy; buzz under hiss", "percent"),
    "unsure_threshold": None,  # shown above
    "real_clips": ("Real notes, one nylon guitar", "plain"),
    "real_degraded": ("The same notes, degraded", "plain"),
    "real_cut": ("The same notes, cut short", "seconds"),
    "real_kfold_finetuned": ("Fine-tuned on them (k-fold)", "plain"),
    "leave_one_source_out": ("Each source left out of training", "percent"),
}


def _value(value, style: str) -> str:
    if isinstance(value, float):
        return f"{value:.1%}" if style == "percent" else f"{value:.3g}"
    return str(value)


def _metrics_html(metrics: dict) -> str:
    rows = []
    for key, value in metrics.items():
        if key in _METRICS and _METRICS[key] is None:
            continue
        label, style = _METRICS.get(key) or (key.replace("_", " ").capitalize(), "plain")
        if isinstance(value, dict):
            unit = " s" if style == "seconds" else ""
            items = [f"{str(k).replace('_', ' ')}{unit} {_value(v, style)}" for k, v in value.items()
                     if isinstance(v, (int, float, str))]
            if not items:
                continue
            text = "<br>".join(html.escape(item) for item in items)
        elif isinstance(value, (int, float, str)):
            text = html.escape(_value(value, style))
        else:
            continue
        rows.append(f"<tr><td style='padding-right:12px;color:#9AA3B2;white-space:nowrap'>{html.escape(label)}</td>"
                    f"<td style='white-space:nowrap'>{text}</td></tr>")
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


def about_box(parent, services) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About buzzfinder")
    box.setTextFormat(box.textFormat().RichText)
    box.setText(about_text(services))
    box.setStandardButtons(QMessageBox.Ok)
    return box


def show_about(parent, services) -> None:
    about_box(parent, services).exec()
