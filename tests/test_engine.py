import numpy as np
import pytest

from buzzfinder_app.constants import POST_ROLL, PRE_ROLL, PROVISIONAL_S, SAMPLE_RATE, WINDOW_S
from buzzfinder_app.engine import engine as engine_module
from buzzfinder_app.engine.engine import TICK, NoteEngine, analyze, classify_clip, notes_from_events
from buzzfinder_app.engine.onsets import OnsetDetector
from buzzfinder_app.engine.verdicts import Verdict
from buzzfinder_app.model.features import DEFAULT_PARAMS

SR = SAMPLE_RATE


class FakeModel:
    """Stands in for ``Model``: probabilities are a fixed function of the features."""

    labels = ("buzzy", "clean", "muted")
    params = DEFAULT_PARAMS
    unsure_threshold = 0.5

    def __init__(self):
        self.calls = 0

    def predict(self, features):
        self.calls += len(features)
        # How much of the window is not silence decides the class: short notes look "muted".
        busy = (features > 0.2).mean(axis=(1, 2))
        logits = np.stack([np.full_like(busy, 0.2), busy * 8, (0.5 - busy) * 8], axis=1)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def place(signal, note, at_s):
    start = int(at_s * SR)
    end = min(len(signal), start + len(note))
    signal[start:end] += note[: end - start]
    return signal


@pytest.fixture(scope="module")
def take(pluck, white_noise):
    """Notes at 0.3 s, 3.0 s, 3.2 s (cuts the one before short), 3.9 s and 4.9 s (0.3 s before the end)."""
    y = white_noise(int(5.2 * SR), -65)
    for i, (at, level) in enumerate([(0.3, -8), (3.0, -14), (3.2, -6), (3.9, -2), (4.9, -3)]):
        place(y, pluck(110.0 * (i + 2), 2.5, level_db=level, seed=i), at)
    return y


def run(engine, y, block):
    events = []
    for i in range(0, len(y), block):
        events += engine.feed(y[i:i + block])
    return events + engine.flush()


def test_every_note_gets_onset_provisional_and_final_events(take):
    events = run(NoteEngine(FakeModel()), take, 1024)
    onsets = [e for e in events if e.kind == "onset"]
    assert [round(e.onset_s, 1) for e in onsets] == [0.3, 3.0, 3.2, 3.9, 4.9]
    for i, onset in enumerate(onsets):
        mine = [e for e in events if e.index == i]
        assert [e.kind for e in mine] == ["onset", "provisional", "final"]
        assert onset.at_s - onset.onset_s < 0.3  # the detector's delay
        assert onset.verdict is None
        provisional, final = mine[1], mine[2]
        assert provisional.at_s <= onset.onset_s + PROVISIONAL_S + 1e-9
        assert isinstance(final.verdict, Verdict) and final.verdict.label in ("buzzy", "clean", "muted", "unsure")
        if i in (0, 4):  # the others overlap a ringing note: their pitch is the mixture's
            assert final.pitch_hz == pytest.approx(110.0 * (i + 2), rel=0.03) and final.note
        assert -16 < final.level_dbfs < 0
    by_note = [[e for e in events if e.index == i] for i in range(len(onsets))]
    # A note left to ring: provisional at onset + 0.5 s and final at onset + 2 s, to the sample.
    assert by_note[0][1].at_s == pytest.approx(onsets[0].onset_s + PROVISIONAL_S)
    assert by_note[0][2].at_s == pytest.approx(onsets[0].onset_s + WINDOW_S)
    # Cut short by the next note before 0.5 s: both verdicts (the same) once that note is found.
    assert by_note[1][1].at_s == by_note[1][2].at_s == onsets[2].at_s
    assert by_note[1][1].verdict == by_note[1][2].verdict
    # Cut after 0.5 s: provisional on time, final when the next note is found.
    assert by_note[2][1].at_s == pytest.approx(onsets[2].onset_s + PROVISIONAL_S)
    assert by_note[2][2].at_s == onsets[3].at_s
    # The last note is finished by flush with the 0.3 s there are.
    assert by_note[4][2].at_s == pytest.approx(len(take) / SR)


class EveryTick(OnsetDetector):
    """A detector that may decide at any tick: the engine then steps at every one."""

    def next_decision(self):
        return 0


def test_stepping_over_quiet_ticks_changes_no_event(take):
    """The engine steps only where the detector or a deadline can report (fewer steps): the same events,
    at the same stream times, as stepping at every tick."""
    for block in (256, 3000, 20000, len(take)):
        quick, every = NoteEngine(FakeModel()), NoteEngine(FakeModel(), onset_detector=EveryTick(SR))
        steps = {"quick": 0, "every": 0}
        for name, engine in (("quick", quick), ("every", every)):
            step = engine._step

            def counted(samples, step=step, name=name):
                steps[name] += 1
                return step(samples)

            engine._step = counted
        assert run(quick, take, block) == run(every, take, block)
        if block > TICK:  # (smaller blocks reach one tick at a time)
            assert steps["quick"] < steps["every"] / 2


def test_events_come_in_time_order(take):
    events = run(NoteEngine(FakeModel()), take, 4096)
    times = [e.at_s for e in events]
    assert times == sorted(times)


@pytest.mark.parametrize("block", [64, 256, 4096, 10**7])
def test_streaming_equals_offline_for_any_block_size(take, block):
    offline = analyze(FakeModel(), take)
    events = run(NoteEngine(FakeModel()), take, block)
    assert notes_from_events(events) == offline


def test_streaming_equals_offline_for_random_blocks(take):
    offline_events = run(NoteEngine(FakeModel()), take, len(take))
    rng = np.random.default_rng(4)
    for _ in range(3):
        engine, events, i = NoteEngine(FakeModel()), [], 0
        while i < len(take):
            n = int(rng.integers(1, 6000))
            events += engine.feed(take[i:i + n])
            i += n
        assert events + engine.flush() == offline_events


def test_analyze_judges_the_windows_in_a_second_thread_with_the_same_verdicts(take):
    """``analyze_stream`` judges windows aside while it reads on; the notes are those of the engine
    judging each window at once, at most ``WAITING_LIMIT`` windows wait, and no thread is left over."""
    import threading
    import time

    model = FakeModel()
    engine = NoteEngine(model)
    seen = []

    def slow(features):  # slower than the reading: windows pile up until the limit holds them back
        time.sleep(0.02)
        seen.append((threading.current_thread().name, len(engine._waiting)))
        return model.predict(features)

    engine.classify = slow
    notes = engine_module.analyze_stream(engine, np.array_split(take, 200))
    assert notes == notes_from_events(run(NoteEngine(FakeModel()), take, 512))
    assert {name for name, _ in seen} == {"buzzfinder-judge_0"}
    assert 0 < max(waiting for _, waiting in seen) <= engine_module.WAITING_LIMIT
    assert not any(t.name.startswith("buzzfinder-judge") for t in threading.enumerate())


def test_a_judge_that_fails_aside_fails_the_analysis_and_leaves_no_thread(take):
    import threading

    def broken(features):
        raise RuntimeError("the model broke")

    with pytest.raises(RuntimeError, match="the model broke"):
        analyze(FakeModel(), take, classify=broken)
    assert not any(t.name.startswith("buzzfinder-judge") for t in threading.enumerate())


def test_windows_are_cut_like_training_cuts_them(take, monkeypatch):
    """The engine judges exactly note_window(signal, onset, next onset) (training's windows) of the
    signal without its DC offset (training's notes have none)."""
    from buzzfinder_app.audio.dc import remove_dc
    from buzzfinder_app.engine.onsets import detect_onsets
    from buzzfinder_app.engine.windows import note_windows

    seen = []
    real_note_window = engine_module.note_window
    monkeypatch.setattr(engine_module, "note_window", lambda *a: seen.append(np.array(real_note_window(*a))) or seen[-1])
    run(NoteEngine(FakeModel()), take, 777)
    y = remove_dc(take)
    assert np.max(np.abs(y - take)) < 0.02 * np.max(np.abs(take))  # a zero-mean signal barely changes
    expected = note_windows(y, detect_onsets(y))
    assert len(expected) == 5 and len(expected[0]) == PRE_ROLL + POST_ROLL
    for want in expected:
        assert any(len(got) == len(want) and np.array_equal(got, want) for got in seen)


def test_a_dc_offset_changes_neither_the_notes_nor_their_windows(take):
    """A cheap interface's offset (here 1 % of full scale, under notes 20 dB quieter) used to hide
    notes from the onset detector and to colour the lowest mel band."""
    quiet = take * np.float32(0.1)
    plain = [e for e in run(NoteEngine(FakeModel(), keep_windows=True), quiet, 1024) if e.kind == "final"]
    offset = [e for e in run(NoteEngine(FakeModel(), keep_windows=True), quiet + np.float32(0.01), 1024)
              if e.kind == "final"]
    assert [e.onset_s for e in offset] == [e.onset_s for e in plain] and len(plain) == 5
    for a, b in zip(plain, offset):
        assert len(a.window) == len(b.window)
        # What is left of the offset after the first second is far below the notes.
        assert np.max(np.abs(a.window - b.window)) < 0.01 * np.max(np.abs(a.window)) or a.onset_s < 1.0
        assert np.allclose([a.verdict.probs[k] for k in a.verdict.probs], [b.verdict.probs[k] for k in b.verdict.probs],
                           atol=0.02)


def test_a_note_shorter_than_min_note_is_still_judged(pluck, white_noise):
    y = white_noise(int(1.5 * SR), -70)
    place(y, pluck(220.0, 0.1, level_db=-10), 0.5)  # 0.1 s, then the recording ends at 0.6 s
    notes = analyze(FakeModel(), y[: int(0.62 * SR)])
    assert len(notes) == 1 and notes[0].verdict.label in ("buzzy", "clean", "muted", "unsure")
    assert notes[0].provisional_at_s == pytest.approx(0.62)


def test_classify_hook_and_unsure_threshold(take):
    calls = []

    def always_buzzy(features):
        calls.append(features.shape)
        return np.tile(np.array([[0.45, 0.3, 0.25]], np.float32), (len(features), 1))

    model = FakeModel()
    notes = analyze(model, take, classify=always_buzzy)
    assert model.calls == 0 and calls and calls[0] == (1, *DEFAULT_PARAMS.shape)
    assert {n.verdict.label for n in notes} == {"unsure"}  # 0.45 < the model's 0.5
    notes = analyze(model, take, classify=always_buzzy, unsure_threshold=0.4)
    assert {n.verdict.label for n in notes} == {"buzzy"}


def test_the_onset_detector_can_be_given(take):
    strict = OnsetDetector(SR, gate_dbfs=-3)  # louder than every note
    assert analyze(FakeModel(), take, onset_detector=strict) == []


def test_history_stays_bounded(white_noise):
    engine = NoteEngine(FakeModel())
    block = white_noise(4096, -60)
    for _ in range(200):  # 37 s
        engine.feed(block)
    size = len(engine._history)
    for _ in range(200):  # as long again: no growth
        engine.feed(block)
    assert len(engine._history) == size <= 2 * max(engine_module.HISTORY, engine_module.MAX_STEP)


def test_silence_gives_no_events():
    engine = NoteEngine(FakeModel())
    assert engine.feed(np.zeros(SR, np.float32)) == [] and engine.flush() == []


def test_classify_clip_takes_the_strongest_note(pluck, white_noise):
    y = white_noise(3 * SR, -65)
    place(y, pluck(220.0, 0.5, level_db=-30), 0.3)
    place(y, pluck(330.0, 2.0, level_db=-6, seed=2), 1.0)
    onset_s, verdict = classify_clip(FakeModel(), y)
    assert onset_s == pytest.approx(1.0, abs=0.03) and verdict.label in ("buzzy", "clean", "muted", "unsure")
    onset_s, _ = classify_clip(FakeModel(), white_noise(SR, -40))  # no onset, no rise: its start
    assert onset_s == 0.0
    with pytest.raises(engine_module.NoNote, match="silent once its DC offset is removed"):
        classify_clip(FakeModel(), np.zeros(SR, np.float32) + 0.1)  # analyze finds no note there either


@pytest.mark.real
def test_shipped_model_on_the_real_clips(real_dir, shipped_model):
    """With the trained model most real clips get their folder's label as the most probable class
    (a plausibility check of resampling, onset, window and model together; the report has the figures)."""
    import soundfile as sf
    import soxr

    right = total = 0
    for path in sorted(real_dir.glob("[bcm]*/*.wav")):
        y, sr = sf.read(path, dtype="float32")
        _, verdict = classify_clip(shipped_model, soxr.resample(y, sr, SR).astype(np.float32))
        right += max(verdict.probs, key=verdict.probs.get) == path.parent.name
        total += 1
    assert right >= total // 2


def test_note_window_geometry():
    from buzzfinder_app.engine.windows import note_window, note_windows

    y = np.arange(1, 100_001, dtype=np.float32)
    w = note_window(y, 5000)
    assert len(w) == PRE_ROLL + POST_ROLL and w[0] == 5000 - PRE_ROLL + 1 and w[PRE_ROLL] == 5001
    start = note_window(y, 100)  # near the start: zero-padded in front
    assert len(start) == PRE_ROLL + POST_ROLL and not start[: PRE_ROLL - 100].any() and start[PRE_ROLL] == 101
    assert len(note_window(y, 5000, 6000)) == PRE_ROLL + 1000  # cut at the next onset
    assert len(note_window(y, 5000, 10**9)) == PRE_ROLL + POST_ROLL  # never longer than a window
    assert len(note_window(y, 99_000)) == PRE_ROLL + 1000  # the signal ends first
    assert [len(w) for w in note_windows(y, [1000, 3000, 90_000])] == [PRE_ROLL + 2000, PRE_ROLL + POST_ROLL,
                                                                       PRE_ROLL + 10_000]


def test_final_events_carry_the_window_they_judged(take):
    """The UI keeps a judged note as a labelled example: the final event holds its exact window."""
    from buzzfinder_app.audio.dc import remove_dc
    from buzzfinder_app.engine.onsets import detect_onsets
    from buzzfinder_app.engine.windows import note_windows

    assert all(e.window is None for e in run(NoteEngine(FakeModel()), take, 512))  # not kept unless asked
    events = run(NoteEngine(FakeModel(), keep_windows=True), take, 512)
    finals = [e for e in events if e.kind == "final"]
    y = remove_dc(take)
    expected = note_windows(y, detect_onsets(y))
    assert len(finals) == len(expected)
    for event, want in zip(finals, expected):
        assert np.array_equal(event.window, want)


def test_a_failed_step_does_not_shift_the_notes_after_it(take):
    """The live worker reports an engine error and feeds on: the detector and the engine must stay
    on the same sample count, or every later window is cut late."""
    from buzzfinder_app.audio.dc import remove_dc
    from buzzfinder_app.engine.onsets import detect_onsets
    from buzzfinder_app.engine.windows import note_windows

    calls = []

    def fails_once(features):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a classifier hiccup")
        return FakeModel().predict(features)

    engine = NoteEngine(FakeModel(), classify=fails_once, keep_windows=True)
    events, failures = [], 0
    for i in range(0, len(take), 8192):
        try:
            events += engine.feed(take[i:i + 8192])
        except RuntimeError:
            failures += 1
    events += engine.flush()
    assert failures == 1
    y = remove_dc(take)
    onsets = detect_onsets(y)
    finals = [e for e in events if e.kind == "final"]
    assert [round(e.onset_s * SR) for e in finals] == onsets  # only the first provisional verdict was lost
    for event, want in zip(finals, note_windows(y, onsets)):
        assert np.array_equal(event.window, want)


def thud_over_hum(sr, at_s=1.2):
    """A string touched, not fretted, under a single coil's hum: a 60-ms thud that lifts the level a few
    dB over the hum (too little for a note's rise on its own), the hum there from the clip's first sample."""
    t = np.arange(3 * sr) / sr
    y = 0.03 * (np.sin(2 * np.pi * 50 * t + 1.0) + 0.5 * np.sin(2 * np.pi * 150 * t + 2.0))
    n = int(0.06 * sr)
    thud = np.random.default_rng(3).standard_normal(n) * np.exp(-np.arange(n) / (0.015 * sr))
    y[int(at_s * sr): int(at_s * sr) + n] += 0.06 * thud
    return y.astype(np.float32)


def test_a_soft_thud_over_a_hum_is_the_clips_note():
    """``classify`` and ``teach`` judge the thud, not the hum at the clip's start (before stop 26 they
    judged the start: a rise of 3-6 dB was not a note's)."""
    from buzzfinder_app.audio.dc import remove_dc
    from buzzfinder_app.engine.onsets import detect_onsets, rise_of

    y = remove_dc(thud_over_hum(SAMPLE_RATE))
    assert detect_onsets(y) == [] and 3.0 <= rise_of(y).rise < 6.0  # the case it is about
    onset_s, _ = classify_clip(FakeModel(), y)
    assert onset_s == pytest.approx(1.2, abs=0.02)


@pytest.mark.parametrize("phase", np.linspace(0, 2 * np.pi, 12, endpoint=False))
def test_a_stream_that_starts_inside_a_hum_holds_no_note(phase):
    """A single coil's hum (50 Hz, its third harmonic at half) from the stream's first sample, at any
    phase of its cycle: with the offset estimate started at the first sample (before stop 27), a hum
    caught near its peak came out near silence for a few milliseconds, and 3 of 12 phases gave a note."""
    t = np.arange(3 * SR) / SR
    hum = 0.05 * (np.sin(2 * np.pi * 50 * t + phase) + 0.5 * np.sin(2 * np.pi * 150 * t + 3 * phase))
    hum = (hum + 1e-4 * np.random.default_rng(0).standard_normal(len(t))).astype(np.float32)
    assert analyze(FakeModel(), hum) == []
    assert run(NoteEngine(FakeModel()), hum, 512) == []


def test_the_strongest_note_streamed_is_the_whole_clips(pluck, white_noise):
    """classify and teach stream a clip: the same onset and window as on the whole clip, for any blocks."""
    from buzzfinder_app.audio.dc import remove_dc
    from buzzfinder_app.engine.engine import StrongestNote
    from buzzfinder_app.engine.onsets import strongest_onset
    from buzzfinder_app.engine.windows import note_window

    sr = SAMPLE_RATE
    quiet_then_loud = white_noise(8 * sr, -60) + 0.01  # a DC offset, a soft note, a loud one, a late soft one
    for at, level, length in ((0.5, -30, 1.5), (3.0, -6, 2.5), (6.9, -20, 1.0)):
        start = int(at * sr)
        quiet_then_loud[start:start + int(length * sr)] += pluck(196.0, length, level_db=level)
    cut_short = quiet_then_loud[: int(4.0 * sr)]  # the loud note ends with the clip, 1 s after its onset
    no_onset = white_noise(3 * sr, -50)
    at_once = white_noise(3 * sr, -60)
    at_once[100:100 + sr] += pluck(330.0, 1.0, level_db=-6)  # its window starts before the clip
    under_the_gate = white_noise(3 * sr, -95)  # a note the detector's -60 dBFS gate does not let through
    under_the_gate[int(1.7 * sr):int(2.7 * sr)] += pluck(262.0, 1.0, level_db=-62)
    for y in (quiet_then_loud, cut_short, no_onset, at_once, under_the_gate, thud_over_hum(sr)):
        clean = remove_dc(y)
        expected = strongest_onset(clean)
        for blocks in ([y], np.array_split(y, 97), np.array_split(y, len(y) // 1000)):
            finder = StrongestNote()
            for block in blocks:
                finder.feed(block)
            onset, window = finder.result()
            assert onset == expected
            np.testing.assert_array_equal(window, note_window(clean, 0 if expected is None else expected))
    assert strongest_onset(remove_dc(quiet_then_loud)) == pytest.approx(3.0 * sr, abs=0.01 * sr)
    assert strongest_onset(remove_dc(under_the_gate)) == pytest.approx(1.7 * sr, abs=0.01 * sr)  # its steepest rise


def test_analyze_stream_is_analyze_with_progress_and_cancel(shipped_model, pluck, white_noise):
    from buzzfinder_app.engine.engine import Cancelled, NoteEngine, analyze, analyze_stream

    y = white_noise(3 * SAMPLE_RATE, -70)
    for start in (0.3, 1.6):
        i = int(start * SAMPLE_RATE)
        y[i:i + SAMPLE_RATE] += pluck(196.0, 1.0)

    class Blocks(list):  # a source that knows how far it has been read, as FileSource does
        frames_read = 0
        frames = len(y)

        def __iter__(self):
            for block in list.__iter__(self):
                self.frames_read += len(block)
                yield block

    source = Blocks(np.array_split(y, 40))
    seen = []
    notes = analyze_stream(NoteEngine(shipped_model), source, progress=seen.append)
    assert [(n.onset_s, n.verdict.label) for n in notes] == [(n.onset_s, n.verdict.label)
                                                            for n in analyze(shipped_model, y)]
    assert len(notes) == 2 and seen == sorted(seen) and seen[-1] == 1.0
    asked = []
    with pytest.raises(Cancelled):
        analyze_stream(NoteEngine(shipped_model), Blocks(np.array_split(y, 40)),
                       cancel=lambda: asked.append(1) or len(asked) > 3)
    assert len(asked) == 4


def test_buzz_heard_in_the_attack_stands_in_the_final_verdict(pluck, white_noise, shipped_model):
    """A classifier that hears buzz only in the provisional verdict's window (padded after 0.4 s): the
    final verdict on the whole window keeps it, with the attack's probabilities; the reverse (buzz only
    over the whole window) and no buzz at all are left as the whole window says. The same streamed, in
    the second thread of analyze_stream and for a one-note clip."""
    y = white_noise(int(5.0 * SR), -65)
    place(y, pluck(196.0, 2.4, level_db=-8, seed=1), 0.3)
    place(y, pluck(220.0, 2.2, level_db=-8, seed=2), 2.7)

    def hears(buzz_in: str):
        def classify(features):
            attack_only = features[:, -5:, :DEFAULT_PARAMS.n_mels].max(axis=(1, 2)) < 0.05  # padded tail
            buzzy = {"attack": attack_only, "whole": ~attack_only, "nowhere": np.zeros_like(attack_only)}[buzz_in]
            p = np.where(buzzy[:, None], [0.9, 0.08, 0.02], [0.1, 0.85, 0.05])
            return p.astype(np.float32)
        return classify

    for buzz_in, final_label in (("attack", "buzzy"), ("whole", "buzzy"), ("nowhere", "clean")):
        notes = notes_from_events(run(NoteEngine(shipped_model, classify=hears(buzz_in)), y, 512))
        assert len(notes) == 2
        for n in notes:
            assert n.provisional.label == ("buzzy" if buzz_in == "attack" else "clean")
            assert n.verdict.label == final_label
            if buzz_in == "attack":
                assert n.verdict == n.provisional  # the attack's verdict, its probabilities
        aside = engine_module.analyze_stream(NoteEngine(shipped_model, classify=hears(buzz_in)), np.array_split(y, 30))
        assert [(n.verdict, n.provisional) for n in aside] == [(n.verdict, n.provisional) for n in notes]
        clip = y[int(0.1 * SR): int(2.6 * SR)]
        assert classify_clip(shipped_model, clip, classify=hears(buzz_in))[1] == notes[0].verdict


def test_an_attack_verdict_that_held_the_next_notes_attack_does_not_stand(pluck, white_noise, shipped_model):
    """The next note starts 0.3 s after this one and is found after this one's provisional deadline: the
    provisional window held both attacks. Heard buzzy there, it does not make the final verdict (on the
    window cut at the next note) buzzy."""
    y = white_noise(int(4.0 * SR), -65)
    place(y, pluck(196.0, 2.4, level_db=-24, seed=1), 0.3)
    place(y, pluck(247.0, 2.4, level_db=-4, seed=2), 0.6)
    frames = DEFAULT_PARAMS.n_frames
    provisional = 1 + (PRE_ROLL + int(PROVISIONAL_S * SR)) // DEFAULT_PARAMS.hop  # sounding frames

    def classify(features):  # buzzy only on a window exactly as long as a provisional one
        sounding = frames - (features[:, ::-1, :DEFAULT_PARAMS.n_mels].max(axis=2) < 0.05).argmin(axis=1)
        buzzy = np.abs(sounding - provisional) <= 1
        return np.where(buzzy[:, None], [0.9, 0.08, 0.02], [0.1, 0.85, 0.05]).astype(np.float32)

    notes = notes_from_events(run(NoteEngine(shipped_model, classify=classify), y, 512))
    assert len(notes) == 2 and notes[0].provisional.label == "buzzy"
    assert notes[0].provisional_at_s - notes[0].onset_s == pytest.approx(PROVISIONAL_S, abs=0.01)
    assert notes[0].verdict.label == "clean"
