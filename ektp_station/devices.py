"""The station's devices: opened from ``station.toml`` through the driver registry, closed together."""

from __future__ import annotations

from contextlib import ExitStack

from drivers.errors import DeviceError
from drivers.interfaces import (
    Camera,
    Device,
    DeviceKind,
    FingerprintScanner,
    IrisCamera,
    QueueDisplay,
    SignaturePad,
    Subject,
    SubjectAware,
    TicketPrinter,
)
from drivers.registry import create_device
from ektp_station.station_config import StationConfig

RECORDING_KINDS = (
    DeviceKind.CAMERA,
    DeviceKind.SIGNATURE_PAD,
    DeviceKind.FINGERPRINT,
    DeviceKind.IRIS,
    DeviceKind.QUEUE_DISPLAY,
)


class StationDevices:
    """Opens the configured drivers for ``kinds``; an unplugged device fails here, before any step runs."""

    def __init__(self, config: StationConfig, kinds=RECORDING_KINDS):
        self.config = config
        self.kinds = tuple(kinds)
        self._devices: dict[DeviceKind, Device] = {}
        self._stack = ExitStack()

    def open(self) -> "StationDevices":
        try:
            for kind in self.kinds:
                dc = self.config.device(kind)
                device = create_device(kind, dc.driver, dc.url, **dc.options)
                try:
                    device.open()
                except DeviceError as exc:
                    raise type(exc)(f"{kind.value} ({dc.driver} {dc.url}): {exc.message}", code=exc.code) from exc
                self._stack.callback(device.close)
                self._devices[kind] = device
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self._stack.close()
        self._devices.clear()

    def __enter__(self) -> "StationDevices":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def present_subject(self, subject: Subject) -> None:
        """Tell simulated devices who the simulated applicant is (real devices ignore this)."""
        for device in self._devices.values():
            if isinstance(device, SubjectAware):
                device.present_subject(subject)

    def _get(self, kind: DeviceKind):
        try:
            return self._devices[kind]
        except KeyError:
            raise DeviceError(f"Perangkat {kind.value} tidak dibuka") from None

    @property
    def camera(self) -> Camera:
        return self._get(DeviceKind.CAMERA)

    @property
    def signature_pad(self) -> SignaturePad:
        return self._get(DeviceKind.SIGNATURE_PAD)

    @property
    def fingerprint(self) -> FingerprintScanner:
        return self._get(DeviceKind.FINGERPRINT)

    @property
    def iris(self) -> IrisCamera:
        return self._get(DeviceKind.IRIS)

    @property
    def queue_display(self) -> QueueDisplay:
        return self._get(DeviceKind.QUEUE_DISPLAY)

    @property
    def ticket_printer(self) -> TicketPrinter:
        return self._get(DeviceKind.TICKET_PRINTER)
