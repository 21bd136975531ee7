"""Personal adaptation: profiles (guitar + input device) with labelled notes, and a small head fitted
on the base model's embeddings of those notes, blended with the base model. No Qt, no TensorFlow.

- :mod:`.profiles` — :class:`ProfileStore`, :class:`Profile`, :class:`Note`, :class:`ProfileError`
- :mod:`.head` — :class:`PersonalHead` (fit, predict, leave-one-out, save/load)
- :mod:`.adapt` — ``embed_notes``, ``fit_profile``, ``profile_head``, ``profile_classifier``
- :mod:`.commands` — ``cmd_teach``, ``cmd_profiles`` for the command line
"""
