"""Numbers that define what the model hears, kept in one place.

The app, the engine, the training module and the model's metadata all read these. Changing one
changes the features; a model trained with other values is then refused at load time.
"""

#: Every signal is resampled to this rate before onset detection, features and the model.
SAMPLE_RATE = 22050

#: The input's DC offset is removed below this frequency (Hz) before onsets, windows and features.
DC_CUTOFF_HZ = 5.0

#: Classes in the model's output order.
LABELS = ("buzzy", "clean", "muted")

#: Samples kept before the onset in a note window (about 46 ms).
PRE_ROLL = 1024
#: Seconds after the onset that make a full note window.
WINDOW_S = 2.0
#: Samples after the onset that make a full note window.
POST_ROLL = int(WINDOW_S * SAMPLE_RATE)
#: Length of a full note window in samples.
WINDOW_SAMPLES = PRE_ROLL + POST_ROLL
#: Seconds of audio after the onset that the provisional verdict judges. The player must see it
#: within 0.5 s of plucking; the rest of that budget is for the audio interface's and the
#: operating system's buffers, the GUI's drain timer and the inference itself (measured end to
#: end through a virtual microphone: 40-60 ms on a busy 2-core machine).
PROVISIONAL_S = 0.4
#: The shortest window (seconds after the onset) the model is asked to judge.
MIN_NOTE_S = 0.25

#: Short-time Fourier transform and mel parameters of the log-mel features.
N_FFT = 1024
HOP = 512
N_MELS = 64
FMIN = 40.0
FMAX = SAMPLE_RATE / 2
#: Dynamic range kept below each window's peak, in dB.
TOP_DB = 80.0
#: Frames in the feature matrix of a full window (centred STFT).
N_FRAMES = 1 + WINDOW_SAMPLES // HOP

#: Lowest and highest pitch the app reports (E2 to E6), in Hz.
PITCH_MIN_HZ = 75.0
PITCH_MAX_HZ = 1400.0
