"""The spoken call: ``words`` (what is said, as a list of Indonesian words), ``audio`` (WAV helpers),
``chime`` (the gong before the call), ``espeak`` and ``clips`` (two ways to say the words), ``announcer``
(chime + words → one WAV, cached)."""
