"""The small CNN that judges a note window: conv blocks with batch-norm and pooling, an embedding, softmax."""

from __future__ import annotations

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import DEFAULT_PARAMS, FeatureParams

EMBEDDING_DIM = 64


def build_model(params: FeatureParams = DEFAULT_PARAMS, seed: int = 0, filters=(16, 32, 64), dropout: float = 0.3):
    """A Keras model with two outputs: ``probs`` (softmax over :data:`C.LABELS`) and ``embedding``.

    The embedding (the penultimate layer) is what on-device personalisation fits its head on.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input(shape=(*params.shape, 1), name="features")
    x = inp
    if params.channels > 1:  # planes side by side along the feature axis -> channels
        bands = params.n_features // params.channels
        x = layers.Reshape((params.n_frames, params.channels, bands), name="planes")(x)
        x = layers.Permute((1, 3, 2), name="planes_as_channels")(x)
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    # Buzz can be a short burst in the attack or a faint rattle throughout: keep both the
    # strongest and the average response of each filter over time. Pooling over time only keeps
    # each band in its place: a rattle is told from a bright string by where its energy lies.
    span = (x.shape[1], 1)
    x = layers.Concatenate(name="pooled")([layers.Flatten()(layers.MaxPooling2D(span, name="time_max")(x)),
                                           layers.Flatten()(layers.AveragePooling2D(span, name="time_mean")(x))])
    x = layers.Dropout(dropout, name="drop0")(x)
    emb = layers.Dense(EMBEDDING_DIM, activation="relu", name="embedding")(x)
    x = layers.Dropout(dropout, name="drop1")(emb)
    probs = layers.Dense(len(C.LABELS), activation="softmax", name="probs")(x)
    return keras.Model(inp, [probs, emb], name="buzzfinder_cnn")
