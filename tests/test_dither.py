"""A coarse converter's grid is found and dithered; finer audio is left exactly as it was."""

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app import constants as C
from buzzfinder_app.audio.dither import GRID_SAMPLES, Dither, LiveDither, grid_step
from buzzfinder_app.audio.file import FileSource, read_audio
from tests.support.signals import synth_pluck


def on_grid(y, bits):
    step = 2.0 ** (1 - bits)
    return (np.round(y / step) * step).astype(np.float32)


@pytest.mark.parametrize("bits", [6, 8, 10, 12])
def test_a_coarse_grid_is_found_with_its_step(bits):
    note = synth_pluck(duration=2.0, sr=16000, level_db=-6.0)
    assert grid_step(on_grid(note, bits)) == pytest.approx(2.0 ** (1 - bits))


def test_sixteen_bit_and_float_audio_have_no_coarse_grid():
    y = synth_pluck(duration=2.0, sr=16000, level_db=-6.0)
    assert grid_step(on_grid(y, 16)) is None and grid_step(y) is None
    assert grid_step(np.zeros(1000, np.float32)) is None


def test_dither_is_the_same_whatever_the_blocks():
    y = on_grid(synth_pluck(duration=2.0, sr=16000, level_db=-6.0), 8)
    whole = Dither(2.0**-7).process(y)
    d = Dither(2.0**-7)
    parts = np.concatenate([d.process(y[:1000]), d.process(y[1000:1001]), d.process(y[1001:])])
    np.testing.assert_array_equal(whole, parts)
    assert 0 < np.max(np.abs(whole - y)) < 2.0**-7


def test_an_8_bit_file_is_dithered_and_a_16_bit_file_read_untouched(tmp_path):
    """Read through FileSource, an 8-bit file's samples leave the grid by at most a step (triangular
    noise, not the rounding error that repeats with the note); a 16-bit file is read as it is."""
    y = synth_pluck(duration=2.0, sr=C.SAMPLE_RATE, level_db=-6.0)
    coarse, fine = tmp_path / "coarse.wav", tmp_path / "fine.wav"
    sf.write(coarse, on_grid(y, 8), C.SAMPLE_RATE, subtype="PCM_U8")
    sf.write(fine, y, C.SAMPLE_RATE, subtype="PCM_16")

    source = FileSource(coarse, block=1000)
    dithered = np.concatenate(list(source))
    raw = sf.read(coarse, dtype="float32")[0]
    assert source.grid_step == pytest.approx(2.0**-7) and grid_step(dithered) is None
    assert 0 < np.max(np.abs(dithered - raw)) <= 2.0**-7
    np.testing.assert_array_equal(dithered, read_audio(coarse))  # the same whatever the blocks
    fine_source = FileSource(fine)
    np.testing.assert_array_equal(np.concatenate(list(fine_source)), sf.read(fine, dtype="float32")[0])
    assert fine_source.grid_step is None


def test_a_grid_is_found_after_a_second_of_digital_silence(tmp_path):
    path = tmp_path / "late.wav"
    note = on_grid(synth_pluck(duration=2.0, sr=C.SAMPLE_RATE, level_db=-6.0), 8)
    y = np.concatenate([np.zeros(int(1.5 * C.SAMPLE_RATE), np.float32), note])
    sf.write(path, y, C.SAMPLE_RATE, subtype="FLOAT")
    source = FileSource(path)
    list(source)
    assert source.grid_step == pytest.approx(2.0**-7)


def test_a_live_input_on_a_coarse_grid_is_dithered_once_its_sounds_tell(monkeypatch):
    """Through the microphone's read: digital silence and one-step flicker do not tell a grid; once
    enough of a note has arrived the grid is found and the audio from there on is dithered. A 16-bit
    converter is read as it is."""
    import soxr

    from buzzfinder_app.audio.mic import MicSource
    from buzzfinder_app.audio.ring import RingBuffer

    rate = 16000
    def mic_reading(y):
        mic = MicSource.__new__(MicSource)
        mic.device, mic.device_name, mic.device_rate, mic.channel = None, "headset", rate, 1
        mic._ring, mic._input_overflows, mic._stream, mic._last_data = RingBuffer(10 * rate), 0, None, 0.0
        mic._resampler, mic._dither = None, LiveDither()
        out = []
        for i in range(0, len(y), 320):  # 20-ms callbacks, read every 40 ms
            mic._callback(y[i:i + 320, None], 320, None, type("Status", (), {"input_overflow": False}))
            if i % 640:
                out.append(mic.read())
        return mic, np.concatenate(out + [mic.read()])

    step = 2.0**-7
    flicker = (np.random.default_rng(0).integers(-1, 2, rate) * step).astype(np.float32)  # a second of +-1 step
    note = on_grid(synth_pluck(duration=2.0, sr=rate, level_db=-6.0), 8)
    y = np.concatenate([np.zeros(rate // 2, np.float32), flicker, note])
    mic, heard = mic_reading(y)
    assert mic.grid_step == pytest.approx(step)
    changed = np.flatnonzero(heard != y)
    assert len(changed) > len(note) // 2 and changed[0] >= rate // 2 + rate  # dithered within the note
    assert np.max(np.abs(heard - y)) <= step and grid_step(heard[-len(note) // 2:]) is None
    assert len(y[y != 0]) > GRID_SAMPLES  # (the note told the grid)

    fine = on_grid(synth_pluck(duration=2.0, sr=rate, level_db=-6.0), 16)
    mic, heard = mic_reading(fine)
    assert mic.grid_step is None
    np.testing.assert_array_equal(heard, fine)


def test_the_yardstick_hears_each_condition_as_the_app_does():
    """Through the headset (8 bits) a clip is dithered as FileSource and MicSource dither it; through
    the other conditions it is left as the condition made it."""
    from training.augment import degrade
    from training.yardstick import through

    note = synth_pluck(duration=2.0, sr=C.SAMPLE_RATE, level_db=-6.0)
    coarse = degrade(note, "headset_16k", seed=0)
    heard = through(note, "headset_16k", 0)
    step = grid_step(coarse)
    assert step is not None and grid_step(heard) is None
    assert 0 < np.max(np.abs(heard - coarse)) <= step
    np.testing.assert_array_equal(through(note, "hum_noise", 0), degrade(note, "hum_noise", seed=0))
