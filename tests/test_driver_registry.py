"""Driver registry (entry points ``ektp_station.drivers``) and station.toml device selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers import registry
from drivers.errors import DeviceConfigError, DeviceNotFound
from drivers.interfaces import INTERFACES, DeviceKind, SubjectAware
from ektp_station.errors import ConfigError
from ektp_station.station_config import DeviceConfig, parse

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "station.toml"


def test_available_lists_the_six_sim_drivers():
    found = registry.available()
    assert {(kind.value, "sim") for kind in DeviceKind} <= set(found)
    assert found == sorted(found)
    assert ("fingerprint", "sim") in registry.available("fingerprint")
    assert all(kind == "iris" for kind, _ in registry.available(DeviceKind.IRIS))


@pytest.mark.parametrize("kind", list(DeviceKind))
def test_sim_driver_classes_implement_their_interface(kind):
    cls = registry.driver_class(kind, "sim")
    assert issubclass(cls, INTERFACES[kind])


def test_unknown_driver_name_lists_the_available_ones():
    with pytest.raises(DeviceNotFound) as err:
        registry.open_device("fingerprint", "zfm9000", "/dev/ttyUSB0")
    message = err.value.message
    assert "fingerprint.zfm9000" in message and "tersedia" in message and "sim" in message
    assert "\n" not in message and not err.value.retryable


def test_unknown_device_kind_is_a_config_error():
    with pytest.raises(DeviceConfigError):
        registry.driver_class("scanner", "sim")


def _open_all(config):
    devices = {}
    try:
        for kind in DeviceKind:
            dc = config.device(kind)
            devices[kind] = registry.open_device(kind, dc.driver, dc.url, **dc.options)
        return devices
    except Exception:
        for device in devices.values():
            device.close()
        raise


def test_example_station_toml_opens_sim_devices():
    config = parse(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert config.station_id == "kalipare-1" and config.max_attempts == 3
    devices = _open_all(config)
    try:
        for kind, device in devices.items():
            assert isinstance(device, INTERFACES[kind])
            info = device.info()
            assert info.driver == "sim" and info.kind is kind and info.url == config.device(kind).url
        assert devices[DeviceKind.FINGERPRINT].supports_slaps
        for kind in (DeviceKind.CAMERA, DeviceKind.SIGNATURE_PAD, DeviceKind.FINGERPRINT, DeviceKind.IRIS):
            assert isinstance(devices[kind], SubjectAware)
    finally:
        for device in devices.values():
            device.close()


def test_driver_options_and_defaults_from_station_toml():
    config = parse(
        """
        [station]
        max_attempts = 2

        [devices.fingerprint]
        driver = "sim"
        url = "sim://single"
        poor_attempts = 2
        latency = 0

        [devices.signature_pad]
        url = "sim://stu?poor_attempts=1"
        """,
        "uji.toml",
    )
    assert config.device(DeviceKind.CAMERA) == DeviceConfig(DeviceKind.CAMERA)  # left out: simulator
    devices = _open_all(config)
    try:
        scanner = devices[DeviceKind.FINGERPRINT]
        assert not scanner.supports_slaps and scanner.poor_attempts == 2
        assert devices[DeviceKind.SIGNATURE_PAD].capabilities().has_screen
        assert devices[DeviceKind.SIGNATURE_PAD].poor_attempts == 1
        assert devices[DeviceKind.CAMERA].info().url == "sim://"
    finally:
        for device in devices.values():
            device.close()


def test_unknown_driver_option_is_reported_when_opening():
    config = parse('[devices.iris]\ndriver = "sim"\nurl = "sim://iris"\nbaudrate = 57600\n')
    dc = config.device(DeviceKind.IRIS)
    with pytest.raises(DeviceConfigError) as err:
        registry.open_device(DeviceKind.IRIS, dc.driver, dc.url, **dc.options)
    assert "baudrate" in err.value.message


def test_station_toml_naming_a_missing_driver_fails_on_open():
    config = parse('[devices.fingerprint]\ndriver = "zfm"\nurl = "/dev/ttyUSB0"\n')
    dc = config.device(DeviceKind.FINGERPRINT)
    with pytest.raises(DeviceNotFound):
        registry.open_device(DeviceKind.FINGERPRINT, dc.driver, dc.url, **dc.options)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[station\nid = 1", "TOML tidak valid"),
        ('[station]\nid = "a"\nid = "b"\n', "TOML tidak valid"),
        ('[devices.scanner]\ndriver = "sim"\n', "perangkat tidak dikenal"),
        ('[station]\ncolour = "merah"\n', "kunci tidak dikenal"),
        ("[station]\nmax_attempts = 0\n", "max_attempts minimal 1"),
        ('[station]\nmax_attempts = "tiga"\n', "max_attempts harus int"),
        ("[station]\nmax_attempts = true\n", "max_attempts harus int"),
        ("[station]\noffice = 5\n", "office harus str"),
        ('[station]\nfinger_quality_min = "40"\n', "finger_quality_min harus float"),
        ("[devices.camera]\ndriver = 3\n", "driver dan url harus teks"),
        ('[devices.camera]\nurl = ""\n', "driver dan url harus teks"),
        ('[devices]\ncamera = "sim://"\n', "harus berupa tabel"),
        ("[printer]\nmodel = 1\n", "bagian tidak dikenal"),
    ],
)
def test_broken_station_toml_is_a_one_line_config_error(text, fragment):
    with pytest.raises(ConfigError) as err:
        parse(text, "station.toml")
    message = err.value.message
    assert fragment in message and message.startswith("station.toml: ")
    assert "\n" not in message
