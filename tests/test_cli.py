import json
import subprocess
import sys
import types

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app import cli
from buzzfinder_app.audio.devices import InputDevice
from buzzfinder_app.constants import SAMPLE_RATE


@pytest.fixture(scope="module")
def files(tmp_path_factory, pluck, white_noise):
    """A three-note take at 44.1 kHz, a one-note clip, and some bad files."""
    folder = tmp_path_factory.mktemp("audio")
    take = white_noise(int(4 * SAMPLE_RATE), -65)
    for at in (0.3, 1.5, 2.8):
        start = int(at * SAMPLE_RATE)
        take[start:start + SAMPLE_RATE] += pluck(196.0, 1.0, level_db=-6)
    import soxr

    sf.write(folder / "take.wav", soxr.resample(take, SAMPLE_RATE, 44100), 44100, subtype="PCM_24")
    sf.write(folder / "clip.flac", take[: int(1.2 * SAMPLE_RATE)], SAMPLE_RATE)
    sf.write(folder / "short.wav", take[: int(0.1 * SAMPLE_RATE)], SAMPLE_RATE)
    sf.write(folder / "silent.wav", np.zeros(SAMPLE_RATE), SAMPLE_RATE)
    (folder / "text.wav").write_text("not audio at all\n" * 30)
    return folder


@pytest.fixture()
def model_args(placeholder_model_path):
    return ["--model", str(placeholder_model_path)]


def run_cli(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_classify_json_keeps_argument_order_and_reports_bad_files(files, model_args, capsys):
    paths = [str(files / n) for n in ("clip.flac", "short.wav", "missing.wav", "take.wav")]
    status, out, err = run_cli(["classify", "--json", *paths, *model_args], capsys)
    assert status == 1
    result = json.loads(out)
    assert [r["path"] for r in result] == paths
    good = [r for r in result if "error" not in r]
    assert len(good) == 2
    for r in good:
        assert r["label"] in ("buzzy", "clean", "muted", "unsure")
        assert set(r["probs"]) == {"buzzy", "clean", "muted"}
        assert abs(sum(r["probs"].values()) - 1) < 1e-4 and 0 <= r["confidence"] <= 1
    assert "too short" in result[1]["error"] and result[2]["error"] == "file not found"
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "short.wav" in lines[0] and "missing.wav" in lines[1]


def test_analyze_json(files, model_args, capsys):
    status, out, _ = run_cli(["analyze", "--json", str(files / "take.wav"), *model_args], capsys)
    assert status == 0
    [result] = json.loads(out)
    assert result["sample_rate"] == 44100 and result["duration_s"] == pytest.approx(4.0, abs=0.01)
    assert [round(n["onset_s"], 1) for n in result["notes"]] == [0.3, 1.5, 2.8]
    for n in result["notes"]:
        assert set(n) >= {"onset_s", "label", "confidence", "probs", "provisional", "pitch_hz", "note"}
        assert set(n["provisional"]) == {"label", "at_s"}
        assert n["provisional"]["at_s"] <= n["onset_s"] + 0.5 + 1e-6
        assert n["note"] == "G3" and n["pitch_hz"] == pytest.approx(196.0, rel=0.03)


def test_analyze_table_and_bad_files(files, model_args, capsys):
    paths = [str(files / n) for n in ("take.wav", "silent.wav", "text.wav")]
    status, out, err = run_cli(["analyze", *paths, *model_args], capsys)
    assert status == 1
    summary = [line for line in out.splitlines() if line.startswith("3 notes: ")]
    assert "take.wav" in out and len(summary) == 1
    # After the summary, the buzzy, muted and unsure notes by their times: the take's to-do list.
    _, js, _ = run_cli(["analyze", "--json", paths[0], *model_args], capsys)
    notes = json.loads(js)[0]["notes"]
    after = out[out.index(summary[0]):].splitlines()[1:]
    for label in ("buzzy", "muted", "unsure"):
        times = [f"{n['onset_s']:.2f} s" for n in notes if n["label"] == label]
        listed = [line for line in after if line.strip().startswith(f"{label} at ")]
        assert len(listed) == (1 if times else 0), (label, after)
        assert all(t in listed[0] for t in times)
    assert not any(line.strip().startswith("clean at") for line in after)
    assert "silent.wav: is silent" in err and "text.wav: not an audio file" in err


def test_summary_line():
    labels = ["clean"] * 9 + ["buzzy"] * 2 + ["muted"]
    assert cli.summary_line(labels) == "12 notes: 9 clean, 2 buzzy, 1 muted"
    assert cli.summary_line([]) == "0 notes" and cli.summary_line(["clean"]) == "1 note: 1 clean"


def test_devices(monkeypatch, capsys):
    import buzzfinder_app.audio.mic as mic

    monkeypatch.setattr(mic, "list_input_devices", lambda: [])
    assert run_cli(["devices"], capsys)[1] == "no input devices found\n"
    monkeypatch.setattr(mic, "list_input_devices", lambda: [
        InputDevice(index=0, name="USB", is_default=False, max_input_channels=2, default_samplerate=48000.0),
        InputDevice(index=3, name="Built-in", is_default=True, max_input_channels=1, default_samplerate=44100.0)])
    out = run_cli(["devices"], capsys)[1]
    assert "*   3  Built-in" in out and "    0  USB" in out


def test_no_subcommand_opens_the_app_with_the_options(monkeypatch):
    seen = {}
    fake = types.ModuleType("buzzfinder_app.ui.app")
    fake.run = lambda args: seen.setdefault("args", args) and 7
    monkeypatch.setitem(sys.modules, "buzzfinder_app.ui.app", fake)
    assert cli.main(["--input-file", "x.wav", "--loop", "--exit-when-done", "--model", "m.tflite"]) == 7
    args = seen["args"]
    assert (args.input_file, args.loop, args.exit_when_done, args.model, args.self_test) == (
        "x.wav", True, True, "m.tflite", False)


def run_module(*argv):
    return subprocess.run([sys.executable, "-m", "buzzfinder_app", *argv], capture_output=True, text=True, timeout=120)


def test_a_bad_model_is_one_line_and_exit_2(files, tmp_path):
    done = run_module("classify", str(files / "clip.flac"), "--model", str(tmp_path / "none.tflite"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("buzzfinder:")] == [
        f"buzzfinder: model file {tmp_path / 'none.tflite'} not found"]


def test_the_cli_imports_neither_tensorflow_nor_librosa(files, placeholder_model_path):
    code = (
        "import sys; from buzzfinder_app.cli import main; "
        f"main(['analyze', {str(files / 'clip.flac')!r}, '--model', {str(placeholder_model_path)!r}]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'librosa', 'numba')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_progress_bar(capsys):
    bar = cli.Progress("long.flac", width=10)
    bar.show(0.5)
    bar.show(0.501)  # same percentage: not redrawn
    bar.done()
    err = capsys.readouterr().err
    assert err.count("long.flac  [#####.....]  50%") == 1 and err.endswith("\r")


def test_the_table_ends_with_the_notes_to_play_again():
    from buzzfinder_app import cli

    notes = [{"onset_s": t, "label": label, "note": name, "pitch_hz": 196.0, "confidence": 0.9,
              "provisional": {"label": label, "at_s": t + 0.4}}
             for t, label, name in ((0.5, "clean", "G3"), (2.4, "buzzy", "D3"), (4.0, "muted", None),
                                    (5.25, "buzzy", "E3"), (7.0, "unsure", "A3"))]
    text = cli.format_table({"path": "take.wav", "duration_s": 9.0, "sample_rate": 44100, "notes": notes})
    assert text.splitlines()[-4:] == ["5 notes: 2 buzzy, 1 clean, 1 muted, 1 unsure",
                                      "  buzzy at 2.40 s (D3), 5.25 s (E3)",
                                      "  muted at 4.00 s",
                                      "  unsure at 7.00 s (A3)"]
