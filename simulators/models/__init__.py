"""Device models: pure functions of a seed (no I/O, no clocks), one module per device kind.

``face`` (portrait camera), ``fingerprint`` (single fingers and 4-4-2 slaps), ``iris`` (NIR eye images),
``signature`` (pen strokes), ``printer`` (ticket text) and ``display`` (queue board), plus ``seeding``
(deterministic random streams).
"""
