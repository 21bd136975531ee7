"""Fit the CNN: fixed seeds, Adam (rate halved on plateaus, or cosine decay), class-balanced batches,
early stopping on a held-out split.

Only the ``probs`` output carries a loss: training runs a view of the model that ends at
``probs`` and shares its layers, so the exported model keeps its ``embedding`` output untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from buzzfinder_app import constants as C
from training.data import Dataset


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    batch_size: int = 48  # a multiple of the number of classes: each batch is balanced exactly
    learning_rate: float = 1e-3
    label_smoothing: float = 0.05
    patience: int = 5
    schedule: str = "plateau"  # "plateau": halve the rate when validation stalls; "cosine": decay to 1 %
    filters: tuple = (16, 32, 64)
    dropout: float = 0.3
    seed: int = 0
    steps_per_epoch: int | None = None  # None: one pass over the training set's size


def one_hot(y: np.ndarray) -> np.ndarray:
    return np.eye(len(C.LABELS), dtype=np.float32)[np.asarray(y, dtype=np.int64)]


def balanced_batches(ds: Dataset, config: TrainConfig) -> np.ndarray:
    """Example indices of every batch of every epoch, shape (epochs, steps, batch): each batch holds
    the same number of each present class; a class with fewer examples is repeated (reshuffled)."""
    rng = np.random.default_rng(config.seed)
    by_class = [ix for ix in (np.flatnonzero(ds.y == k) for k in range(len(C.LABELS))) if len(ix)]
    per = max(1, config.batch_size // len(by_class))
    steps = config.steps_per_epoch or max(1, int(np.ceil(len(ds) / (per * len(by_class)))))
    need = steps * per

    def shuffled(ix):  # ``need`` indices of one class: whole reshuffled passes over it, cut to length
        return np.concatenate([rng.permutation(ix) for _ in range(int(np.ceil(need / len(ix))))])[:need]

    return np.stack([np.stack([shuffled(ix) for ix in by_class], axis=1).reshape(steps, -1)
                     for _ in range(config.epochs)])


def _batch_source(ds: Dataset, batches: np.ndarray):
    """A tf.data source that gathers each batch in the graph (a Python data source costs as much
    per example as the convolutions do on 2 cores)."""
    import tensorflow as tf

    x, y = tf.constant(ds.x[..., None]), tf.constant(one_hot(ds.y))
    flat = batches.reshape(-1, batches.shape[-1])
    return tf.data.Dataset.from_tensor_slices(flat).map(lambda ix: (tf.gather(x, ix), tf.gather(y, ix))).prefetch(2)


@dataclass
class TrainResult:
    model: object  # the two-output Keras model
    history: dict = field(default_factory=dict)
    seconds: float = 0.0
    best_epoch: int = 0


def train(train_ds: Dataset, val_ds: Dataset | None = None, config: TrainConfig = TrainConfig(),
          progress: bool = False, initial=None) -> TrainResult:
    """Train a fresh model (or continue ``initial``) and return it with its learning curves."""
    import keras

    from training.model import build_model

    t0 = time.time()
    model = initial if initial is not None else build_model(train_ds.params, config.seed, config.filters, config.dropout)
    keras.utils.set_random_seed(config.seed)
    head = keras.Model(model.input, model.get_layer("probs").output)
    batches = balanced_batches(train_ds, config)
    steps = batches.shape[1]
    rate = config.learning_rate
    if config.schedule == "cosine":  # gets the most out of a few epochs
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=config.epochs * steps, alpha=0.01)
    head.compile(optimizer=keras.optimizers.Adam(rate),
                 loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
                 metrics=["accuracy"])

    def log_rate(_epoch, logs):
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(head.optimizer.learning_rate))

    callbacks, val = [keras.callbacks.LambdaCallback(on_epoch_end=log_rate)], None
    if val_ds is not None and len(val_ds):
        val = (val_ds.x[..., None], one_hot(val_ds.y))
        if config.schedule == "plateau":
            callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                               patience=max(1, config.patience // 2), min_lr=1e-5))
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                       restore_best_weights=True))
    hist = head.fit(_batch_source(train_ds, batches), validation_data=val, epochs=config.epochs,
                    steps_per_epoch=steps, shuffle=False,
                    callbacks=callbacks, verbose=2 if progress else 0)
    h = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
    best = int(np.argmin(h["val_loss"])) + 1 if "val_loss" in h else len(h.get("loss", []))
    return TrainResult(model, h, time.time() - t0, best)


def predict(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities of the two-output Keras model, shape (n, n_labels)."""
    return embed(model, x, batch_size)[0]


def embed(model, x: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (n, n_labels) and embeddings (n, embedding size) of the two-output Keras model."""
    if not len(x):
        return np.zeros((0, len(C.LABELS)), np.float32), np.zeros((0, model.outputs[1].shape[-1]), np.float32)
    x = np.asarray(x, dtype=np.float32)[..., None]
    parts = [model(x[i: i + batch_size], training=False) for i in range(0, len(x), batch_size)]
    return (np.concatenate([np.asarray(p[0]) for p in parts]), np.concatenate([np.asarray(p[1]) for p in parts]))


def set_temperature(model, temperature: float) -> None:
    """Divide the logits of the ``probs`` layer by ``temperature`` (in its weights, so the exported
    model carries the calibration and the app needs nothing else)."""
    layer = model.get_layer("probs")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel / temperature, bias / temperature])


def copy_model(model):
    """An independent copy of a Keras model with the same weights."""
    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def finetune(base_model, new: Dataset, replay: Dataset, config: TrainConfig, replay_ratio: float = 2.0):
    """A copy of ``base_model`` trained further on ``new`` mixed with a sample of ``replay``.

    The replayed generated notes (``replay_ratio`` times as many as the new ones) keep the model
    from forgetting what it knew while it adapts to the new guitar and microphone.
    """
    rng = np.random.default_rng(config.seed)
    n = min(len(replay), int(replay_ratio * len(new)))
    mixed = Dataset.concat([new, replay.subset(rng.choice(len(replay), size=n, replace=False))])
    return train(mixed, None, config, initial=copy_model(base_model)).model
