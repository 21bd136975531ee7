import numpy as np
import pytest
import soundfile as sf
import soxr

from buzzfinder_app.audio.devices import InputDevice
from buzzfinder_app.audio.dither import LiveDither
from buzzfinder_app.audio.file import AudioFileError, FileSource, read_audio
from buzzfinder_app.audio.mic import MicError, MicSource, list_input_devices
from buzzfinder_app.audio.ring import RingBuffer
from buzzfinder_app.constants import SAMPLE_RATE


def tone(rate, seconds=1.0, hz=440.0, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    y = 0.5 * np.sin(2 * np.pi * hz * t) * np.exp(-t)
    return np.stack([y, 0.5 * y], axis=1)[:, :channels] if channels > 1 else y


def write(path, data, rate, **kw):
    sf.write(str(path), data, rate, **kw)
    return path


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_wav_bit_depths(tmp_path, subtype):
    path = write(tmp_path / "a.wav", tone(SAMPLE_RATE), SAMPLE_RATE, subtype=subtype)
    y = read_audio(path)
    assert y.dtype == np.float32 and len(y) == SAMPLE_RATE
    # 8 bits: the writer's rounding, and up to a step of dither (buzzfinder_app.audio.dither)
    np.testing.assert_allclose(y, tone(SAMPLE_RATE), atol=2.5 * 2.0**-7 if subtype == "PCM_U8" else 1e-4)


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000, 96000, 192000])
def test_any_rate_is_resampled_like_offline_soxr(tmp_path, rate):
    path = write(tmp_path / "a.wav", tone(rate), rate, subtype="FLOAT")
    source = FileSource(path, block=1000)
    assert source.source_rate == rate and source.duration_s == pytest.approx(1.0)
    y = np.concatenate(list(source))
    offline = soxr.resample(tone(rate).astype(np.float32), rate, SAMPLE_RATE)
    assert len(y) == len(offline) == SAMPLE_RATE
    np.testing.assert_allclose(y, offline, atol=1e-5)
    np.testing.assert_array_equal(y, read_audio(path))  # the offline path is the same stream


def test_block_size_does_not_change_the_audio(tmp_path):
    path = write(tmp_path / "a.wav", tone(44100, 3.0), 44100)
    whole = read_audio(path)
    for block in (64, 1000, 65536):
        np.testing.assert_allclose(np.concatenate(list(FileSource(path, block=block))), whole, atol=1e-6)


def test_stereo_is_mixed_down(tmp_path):
    path = write(tmp_path / "a.wav", tone(SAMPLE_RATE, channels=2), SAMPLE_RATE, subtype="FLOAT")
    source = FileSource(path)
    assert source.channels == 2
    np.testing.assert_allclose(read_audio(path), 0.75 * tone(SAMPLE_RATE), atol=1e-6)


@pytest.mark.parametrize("fmt, ext", [("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_compressed_formats(tmp_path, fmt, ext):
    path = tmp_path / f"a.{ext}"
    try:
        write(path, tone(44100), 44100, format=fmt)
    except (sf.LibsndfileError, TypeError, ValueError):
        pytest.skip(f"this libsndfile cannot write {fmt}")
    y = read_audio(path)
    assert abs(len(y) / SAMPLE_RATE - 1.0) < 0.1
    assert np.max(np.abs(y)) == pytest.approx(0.5, abs=0.1)


def test_long_files_are_read_in_bounded_blocks(tmp_path):
    path = write(tmp_path / "long.flac", np.tile(tone(SAMPLE_RATE), 60), SAMPLE_RATE)  # one minute
    sizes = [len(b) for b in FileSource(path, block=4096)]
    assert sum(sizes) == 60 * SAMPLE_RATE and max(sizes) <= 4096


def problem(path):
    with pytest.raises(AudioFileError) as err:
        read_audio(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    return err.value.problem


def test_errors_name_the_file_and_the_problem(tmp_path):
    assert problem(tmp_path / "missing.wav") == "file not found"
    (tmp_path / "empty.wav").write_bytes(b"")
    assert "empty" in problem(tmp_path / "empty.wav")
    (tmp_path / "notes.txt").write_text("these are not the samples you are looking for\n" * 50)
    assert "not an audio file" in problem(tmp_path / "notes.txt")
    good = write(tmp_path / "good.wav", tone(SAMPLE_RATE), SAMPLE_RATE).read_bytes()
    (tmp_path / "corrupt.wav").write_bytes(good[:12] + b"\x00garbage" * 20)
    assert "not an audio file" in problem(tmp_path / "corrupt.wav")
    assert "too short" in problem(write(tmp_path / "short.wav", tone(SAMPLE_RATE, 0.2), SAMPLE_RATE))
    assert problem(tmp_path) == "not a file"


def test_nan_inf_and_silence_are_found_while_reading(tmp_path):
    y = tone(SAMPLE_RATE).astype(np.float32)
    y[3000] = np.nan
    assert "NaN" in problem(write(tmp_path / "nan.wav", y, SAMPLE_RATE, subtype="FLOAT"))
    y[3000] = np.inf
    assert "infinite" in problem(write(tmp_path / "inf.wav", y, SAMPLE_RATE, subtype="FLOAT"))
    assert problem(write(tmp_path / "zeros.wav", np.zeros(SAMPLE_RATE), SAMPLE_RATE)) == "is silent"
    faint = write(tmp_path / "faint.wav", np.full(SAMPLE_RATE, 1e-6), SAMPLE_RATE, subtype="FLOAT")
    assert problem(faint).startswith("is silent (peak")


def test_unsupported_rate(tmp_path):
    path = write(tmp_path / "a.wav", tone(4000), 4000)
    assert "outside" in problem(path)


# --- ring buffer ---------------------------------------------------------------------------

def test_ring_buffer_keeps_order_across_the_wrap():
    ring = RingBuffer(10)
    out = []
    for i in range(0, 100, 7):
        ring.write(np.arange(i, i + 7, dtype=np.float32))
        out.append(ring.read())
    np.testing.assert_array_equal(np.concatenate(out), np.arange(0, 105, dtype=np.float32))
    assert ring.overruns == 0 and len(ring) == 0


def test_ring_buffer_drops_and_counts_when_the_reader_is_behind():
    ring = RingBuffer(8)
    ring.write(np.arange(6, dtype=np.float32))
    ring.write(np.arange(6, 12, dtype=np.float32))  # only 2 fit
    assert ring.overruns == 1 and ring.dropped == 4
    np.testing.assert_array_equal(ring.read(), np.arange(8, dtype=np.float32))
    assert ring.read().size == 0


def test_ring_buffer_with_a_writer_thread():
    import threading

    ring, total, got = RingBuffer(4096), 200_000, []

    def produce():
        for i in range(0, total, 100):
            while ring.capacity - len(ring) < 100:
                pass  # the test's writer waits; the audio callback would drop instead
            ring.write(np.arange(i, i + 100, dtype=np.float32))

    writer = threading.Thread(target=produce)
    writer.start()
    while writer.is_alive() or len(ring):
        got.append(ring.read())
    writer.join()
    np.testing.assert_array_equal(np.concatenate(got), np.arange(total, dtype=np.float32))


# --- microphone ----------------------------------------------------------------------------

def test_device_list_is_a_list_of_input_devices():
    devices = list_input_devices()
    assert isinstance(devices, list)
    assert all(isinstance(d, InputDevice) and d.max_input_channels > 0 for d in devices)


def test_no_input_device_is_a_clear_error():
    if list_input_devices():
        pytest.skip("this machine has an input device")
    with pytest.raises(MicError, match="no input device|unavailable"):
        MicSource()


def test_mic_callback_only_fills_the_ring_and_read_resamples():
    """Drive the callback by hand (no device): overflow flags are counted, read() gives SAMPLE_RATE."""
    mic = MicSource.__new__(MicSource)
    mic.device, mic.device_name, mic.device_rate, mic.channel = None, "test", 48000, 2
    mic._ring, mic._input_overflows, mic._stream, mic._last_data = RingBuffer(48000), 0, None, 0.0
    mic._resampler = soxr.ResampleStream(48000, SAMPLE_RATE, 1, dtype="float32")
    mic._dither = LiveDither()

    class Status:
        input_overflow = False

    # Two inputs; the guitar is on input 2, input 1 only hums.
    block = np.stack([0.5 * tone(48000, 0.5, hz=50.0), tone(48000, 0.5)], axis=1).astype(np.float32)
    flagged = Status()
    flagged.input_overflow = True
    for i in range(0, len(block), 480):
        mic._callback(block[i:i + 480], 480, None, flagged if i == 0 else Status())
    y = mic.read()
    assert mic.overflows == 1 and y.dtype == np.float32
    assert 0 < SAMPLE_RATE // 2 - len(y) < 1500  # the resampler holds back a few tens of ms
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(y) - 440.0) < 5  # input 2's tone, not input 1's hum
    mic.stop()  # no stream: nothing to do


def test_a_stream_that_stops_delivering_is_a_clear_error(monkeypatch):
    import time

    mic = MicSource.__new__(MicSource)
    mic.device, mic.device_name, mic.device_rate = None, "USB mic", SAMPLE_RATE
    mic._ring, mic._input_overflows, mic._resampler, mic._dither = RingBuffer(1000), 0, None, LiveDither()

    class RunningStream:
        active, stopped = True, False

    mic._stream, mic._last_data = RunningStream(), time.monotonic()
    assert mic.read().size == 0  # nothing yet, but not for long
    mic._last_data -= 5
    with pytest.raises(MicError, match="USB mic stopped delivering audio"):
        mic.read()
