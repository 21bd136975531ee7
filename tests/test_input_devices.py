"""Input devices as typed values, and what the app calls an input (no Qt)."""

from __future__ import annotations

import dataclasses

import pytest

from buzzfinder_app.audio.devices import InputDevice, chosen_input_name, find_device, input_channel, input_name


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


FOCUSRITE = InputDevice(1, "Focusrite", max_input_channels=2, default_samplerate=48000.0)
BUILT_IN = InputDevice(4, "Built-in", is_default=True, max_input_channels=1, default_samplerate=44100.0)


def test_find_device_by_name_else_the_default_else_the_first():
    assert find_device([FOCUSRITE, BUILT_IN], "Focusrite") is FOCUSRITE
    assert find_device([FOCUSRITE, BUILT_IN], "unplugged") is BUILT_IN
    assert find_device([FOCUSRITE, BUILT_IN], None) is BUILT_IN
    assert find_device([FOCUSRITE], None) is FOCUSRITE
    assert find_device([], "Focusrite") is None


def test_an_input_beyond_the_first_is_named_with_its_number():
    assert input_name("Focusrite", 1) == "Focusrite"
    assert input_name("Focusrite", 2) == "Focusrite · input 2"


def test_the_chosen_input_falls_back_to_the_first_where_the_device_has_fewer():
    assert input_channel(FOCUSRITE, 2) == 2
    assert input_channel(BUILT_IN, 2) == 1
    assert input_channel(None, 2) == 1


def test_the_chosen_input_name_is_the_key_of_calibrations_sessions_and_profiles():
    devices = [FOCUSRITE, BUILT_IN]
    assert chosen_input_name(devices, "Focusrite", 2) == "Focusrite · input 2"
    assert chosen_input_name(devices, None, 1) == "Built-in"  # the system default
    assert chosen_input_name(devices, None, 2) == "Built-in"  # it has one input
    assert chosen_input_name([], "Focusrite", 2) == "Focusrite"  # not plugged in: named as chosen
    assert chosen_input_name([], None, 1) == "no device"
