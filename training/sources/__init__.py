"""Where the notes come from, one module per source (:mod:`training.data` turns them into examples):

* :mod:`~training.sources.synth` — modelled strings: a physically modelled string
  (:mod:`~training.sources.synth_string`, the waveguide; :mod:`~training.sources.synth_noise`, the body
  and the noises of playing) plays notes of all three classes (recipe kind ``synth``, sources
  ``model-nylon`` and ``model-steel``);
* :mod:`~training.sources.soundfonts` — sampled guitars: General-MIDI soundfonts rendered by fluidsynth,
  whose buzzy notes strike a modelled fret (:mod:`~training.sources.sampled_buzz`) (kind ``soundfont``,
  sources ``sf-<soundfont>-<program>``);
* :mod:`~training.sources.real_strings` — real strings recorded direct: the shared Stratocaster's notes,
  each made clean, buzzy (the same modelled fret) and muted (kind ``strat``, source ``real-strat``);
* :mod:`~training.sources.real` — real recordings labelled by ear: folders of ``buzzy/``, ``clean/`` and
  ``muted/`` notes (the shared nylon clips, or a player's own). Never generated training data: they judge
  a model and fine-tune it. Its audio readers serve the other real sources too.
"""
