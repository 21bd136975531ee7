"""The original project's way of analysing a take, rebuilt as the benchmark's baseline.

Load the whole file with librosa, find onsets with librosa, compute 13 MFCC + delta + delta-delta
per note, and call Keras ``predict`` once per note — as the seed project did. The network has the
seed's shape (small conv net on MFCC frames) with untrained weights: only its cost matters here.

    python benchmarks/seed_baseline.py TAKE.wav
"""

from __future__ import annotations

import json
import sys
import time


def main(path: str) -> None:
    t0 = time.perf_counter()
    import librosa
    import numpy as np
    import keras
    from keras import layers

    sr = 22050
    y, _ = librosa.load(path, sr=sr, mono=True)
    onsets = librosa.onset.onset_detect(y=y, sr=sr, units="samples", backtrack=True)
    frames = 1 + (2 * sr) // 512
    model = keras.Sequential([
        keras.Input((frames, 39, 1)),
        layers.Conv2D(32, 3, activation="relu", padding="same"), layers.BatchNormalization(), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu", padding="same"), layers.BatchNormalization(), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dropout(0.3), layers.Dense(3, activation="softmax"),
    ])
    labels = []
    for onset in onsets:
        note = y[onset:onset + 2 * sr]
        note = np.pad(note, (0, 2 * sr - len(note)))
        mfcc = librosa.feature.mfcc(y=note, sr=sr, n_mfcc=13)
        feats = np.concatenate([mfcc, librosa.feature.delta(mfcc), librosa.feature.delta(mfcc, order=2)]).T
        probs = model.predict(feats[None, :frames, :, None], verbose=0)[0]
        labels.append(int(np.argmax(probs)))
    print(json.dumps({"notes": len(onsets), "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main(sys.argv[1])
