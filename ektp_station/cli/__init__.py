"""The ``ektp-station`` command line. One module per command group; ``main`` maps errors to one-liners."""
