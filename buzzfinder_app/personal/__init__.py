"""Personal adaptation: profiles (guitar + input device) with labelled notes, and a small head fitted
on the base model's embeddings of those notes, blended with the base model. No Qt, no TensorFlow.

- :mod:`.profiles` — :class:`ProfileStore`, :class:`Profile`, :class:`Note`, :class:`ProfileError`
- :mod:`.head` — :class:`PersonalHead` (fit, predict, leave-one-out, save/load)
- :mod:`.gate` — :class:`SetupGate`: the head only speaks for notes that sound like the taught setup
- :mod:`.teach_plan` — ``plan``, ``next_step``, ``explain``: what the teach dialog asks for, and why
- :mod:`.adapt` — ``embed_notes``, ``fit_profile``, ``profile_head``, ``profile_classifier``
- :mod:`.commands` — ``cmd_teach``, ``cmd_profiles`` for the command line

Typical use (the UI; every call may raise :class:`ProfileError` with a message for the user)::

    store = ProfileStore()
    profile = store.default_for(device_name)            # or store.get(name), store.create(name, ...)
    store.add_note(profile, window, "buzzy", "exercise")  # a note window cut around its onset
    result = fit_profile(store, profile, model)          # FitResult: loo_before, loo_after, seconds
    head = profile_head(store, profile, model)           # None while there are too few notes
    engine = NoteEngine(model, classify=profile_classifier(model, head))
"""
