"""The sound cues: their samples (length, level, the two differ) and playing them without a device."""

from __future__ import annotations

import numpy as np
import pytest

from buzzfinder_app.audio.cues import CUE_KINDS, CueOutput, CueUnavailable, cue_sound


@pytest.mark.parametrize("kind", CUE_KINDS)
@pytest.mark.parametrize("volume", [0.05, 0.3, 1.0])
def test_a_cue_is_short_and_never_louder_than_its_volume(kind, volume):
    y = cue_sound(kind, volume, 48_000)
    assert y.dtype == np.float32 and y.ndim == 1
    assert 0.05 <= len(y) / 48_000 <= 0.25  # a tick, not a tune
    assert np.abs(y).max() <= volume + 1e-6
    assert np.abs(y).max() == pytest.approx(volume, rel=1e-4)  # the volume is the peak
    assert abs(y[0]) < 0.01 * volume and y[-1] == 0.0  # starts and ends at silence: no click


def test_the_length_follows_the_sample_rate():
    assert len(cue_sound("clean", 0.3, 44_100)) == round(0.09 * 44_100)
    assert len(cue_sound("buzzy", 0.3, 48_000)) == round(0.195 * 48_000)


def test_clean_and_buzzy_sound_different():
    clean, buzzy = cue_sound("clean", 0.5, 48_000), cue_sound("buzzy", 0.5, 48_000)
    assert len(buzzy) > 1.5 * len(clean)

    def main_hz(y):
        spectrum = np.abs(np.fft.rfft(y, 1 << 16))
        return np.argmax(spectrum) * 48_000 / (1 << 16)

    assert main_hz(clean) > 2 * main_hz(buzzy)  # a bright tick against a low blip
    # the buzzy cue is two blips: its level dips between them
    envelope = np.abs(buzzy)
    gap = envelope[int(0.080 * 48_000):int(0.100 * 48_000)]
    assert gap.max() < 0.1 * envelope.max()


def test_silence_and_unknown_kinds():
    assert not cue_sound("clean", 0.0).any()
    assert np.abs(cue_sound("clean", 3.0)).max() == pytest.approx(1.0)  # clipped to full scale
    with pytest.raises(ValueError, match="no cue for 'muted'"):
        cue_sound("muted")


class FakeSd:
    def __init__(self, output=True, fail_play=False):
        self.output, self.fail_play, self.played = output, fail_play, []

    def query_devices(self, kind=None):
        if not self.output:
            raise RuntimeError("Error querying device -1")
        return {"name": "speakers", "default_samplerate": 44_100.0}

    def play(self, data, samplerate, blocking=True):
        if self.fail_play:
            raise RuntimeError("device unavailable")
        self.played.append((len(data), samplerate, blocking))


def test_output_plays_without_blocking_at_the_devices_rate():
    sd = FakeSd()
    out = CueOutput(sd)
    out.play("clean", 0.4)
    out.play("buzzy", 0.4)
    assert sd.played == [(round(0.09 * 44_100), 44_100, False), (round(0.195 * 44_100), 44_100, False)]


def test_no_output_device_says_so():
    with pytest.raises(CueUnavailable, match="no audio output device"):
        CueOutput(FakeSd(output=False)).play("clean", 0.4)
    with pytest.raises(CueUnavailable, match="audio output failed"):
        CueOutput(FakeSd(fail_play=True)).play("buzzy", 0.4)
