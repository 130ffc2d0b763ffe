"""Pure wire-protocol codecs shared by the drivers and the simulators.

Nothing in this package does I/O: no serial ports, no sockets, no clocks. Every module turns values into bytes
and bytes into values, and its incremental readers take whatever chunk the transport happened to deliver.

* :mod:`drivers.protocols.zfm` - ZhianTec "EF01" packets (ZFM-20, R30x, AS608, R503 fingerprint modules).
* :mod:`drivers.protocols.isdv4` - Wacom ISDV4 / W8001 serial pen and touch packets.
* :mod:`drivers.protocols.alpha_sign` - Alpha Sign Communications Protocol (Adaptive Micro Systems LED
  boards).
"""
