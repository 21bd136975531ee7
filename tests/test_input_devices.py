"""Input devices as typed values (no Qt)."""

from __future__ import annotations

import dataclasses

import pytest

from buzzfinder_app.audio.devices import InputDevice


def test_an_input_device_is_a_frozen_value():
    dev = InputDevice(index=3, name="Focusrite", is_default=True, max_input_channels=2, default_samplerate=48000.0)
    assert dev == InputDevice(3, "Focusrite", True, 2, 48000.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dev.name = "other"


def test_inputs_are_at_least_one():
    assert InputDevice(0, "interface", max_input_channels=4).inputs == 4
    assert InputDevice(0, "odd driver", max_input_channels=0).inputs == 1


def test_rates_offer_the_device_own_first_then_common_ones():
    assert InputDevice(0, "mic", default_samplerate=44100.0).rates == [44100, 48000, 22050]
    assert InputDevice(0, "mic", default_samplerate=96000.0).rates == [96000, 48000, 44100, 22050]
    assert InputDevice(0, "mic").rates == [48000, 44100, 22050]  # no rate known
