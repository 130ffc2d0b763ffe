"""``ektp-sim``: the simulated devices for technicians.

    ektp-sim list
    ektp-sim sample face --seed 7 --birth-year 1991 --out wajah.png
    ektp-sim sample finger --seed 7 --finger 2 --impression 1 --out jari.png
    ektp-sim sample slap --seed 7 --slap right --boxes --out slap.png
    ektp-sim sample iris --seed 7 --eye R --out iris.png
    ektp-sim sample signature --seed 7 --out ttd.png

    ektp-sim zfm --pty [--scenario gangguan.toml] [--baud 57600]     # ZFM fingerprint module on a pty
    ektp-sim isdv4 --tcp --port 4001                                 # ISDV4 signature pad on TCP
    ektp-sim printer --tcp --port 9100                               # ESC/POS printer on TCP
    ektp-sim ledboard --pty                                          # Alpha LED queue board on a pty
    ektp-sim zfm --rfc2217 --baud 57600                              # RFC 2217: the host's baud rate is the line's
    ektp-sim stu --pty|--tcp ...                                     # USB pad (its own framed server)
    ektp-sim sbi|camera --tcp ...                                    # HTTP devices (their own servers)

Each capability is a subcommand of one click group. A wire simulator prints one JSON line saying where it is
(``{"device", "port"}``, ``{"device", "host", "port"}`` or, for RFC 2217, ``{"device", "host", "port",
"protocol": "rfc2217"}``), then one JSON line per thing it did, until killed (``SIGUSR1`` unplugs it,
``SIGUSR2`` plugs it back in).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import cv2
import numpy as np

from biometrics.fingerprint_quality import quality as fingerprint_quality
from drivers.interfaces import Finger, Slap
from simulators.inproc import SIM_DRIVERS
from simulators.models import face, fingerprint, iris, signature

_SLAPS = {"right": Slap.RIGHT_FOUR, "left": Slap.LEFT_FOUR, "thumbs": Slap.TWO_THUMBS}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Perangkat simulasi stasiun perekaman e-KTP (kamera, sidik jari, iris, tanda tangan, antrean)."""


@cli.command("list")
def list_devices() -> None:
    """Daftar model perangkat simulasi dan URL-nya."""
    for kind, cls in SIM_DRIVERS.items():
        options = ", ".join(sorted({"poor_attempts", "latency", *cls.extra_options}))
        for variant in cls.variants:
            click.echo(f"{kind.value:<15} sim://{variant:<11} {cls.models[variant]}  [opsi: {options}]")
    from simulators.wire import DEVICES, device_class

    for name in DEVICES:
        settings = ", ".join(sorted(device_class(name).setting_specs()))
        click.echo(f"{'wire':<15} ektpsim://{name:<8} ektp-sim {name} --pty|--tcp|--rfc2217  [pengaturan: {settings}]")
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group="ektp_station.usb_backends"), key=lambda e: e.name):
        click.echo(f"{'usb':<15} {ep.name + '://':<18} backend pyusb dalam proses ({ep.value})")


def _write(image: np.ndarray, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        ok = cv2.imwrite(str(out), image)
    except cv2.error:
        ok = False
    if not ok:
        raise click.ClickException(f"Gambar tidak dapat ditulis ke {out} (gunakan akhiran .png atau .jpg)")


@cli.command()
@click.argument("kind", type=click.Choice(["face", "finger", "slap", "iris", "signature"]))
@click.option("--seed", type=int, required=True, help="Nomor orang sintetis (menentukan wajah, sidik jari, iris).")
@click.option("--finger", type=click.IntRange(1, 10), default=2, show_default=True, help="Posisi jari ISO 1..10.")
@click.option("--impression", type=click.IntRange(0), default=0, show_default=True, help="Pengambilan ke-K.")
@click.option("--poor", is_flag=True, help="Hasil pengambilan yang buruk (kualitas rendah).")
@click.option("--birth-year", type=int, default=1990, show_default=True, help="Wajah: ganjil merah, genap biru.")
@click.option("--sex", type=click.Choice(["L", "P"], case_sensitive=False), default="L", show_default=True)
@click.option("--eye", type=click.Choice(["L", "R"], case_sensitive=False), default="R", show_default=True)
@click.option("--slap", "slap_name", type=click.Choice(sorted(_SLAPS)), default="right", show_default=True)
@click.option("--missing", default="", help="Slap: jari yang tidak ada, mis. 4,5.")
@click.option("--boxes", is_flag=True, help="Slap: gambar kotak tiap ujung jari.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Berkas PNG tujuan.")
def sample(
    kind: str,
    seed: int,
    finger: int,
    impression: int,
    poor: bool,
    birth_year: int,
    sex: str,
    eye: str,
    slap_name: str,
    missing: str,
    boxes: bool,
    out: Path,
) -> None:
    """Tulis contoh data sintetis ke gambar agar dapat diperiksa."""
    if kind == "face":
        image = face.render(seed, birth_year, sex.upper(), size=face.STILL_SIZE, poor=poor, attempt=impression)
        note = "latar " + {"red": "merah", "blue": "biru"}[face.background_name(birth_year)]
    elif kind == "finger":
        image = fingerprint.render_finger(seed, Finger(finger), impression, poor=poor)
        ident = fingerprint.finger_identity(seed, finger)
        note = f"pola {ident.pattern.value}, kualitas {fingerprint_quality(image):.0f}"
    elif kind == "slap":
        slap = _SLAPS[slap_name]
        try:
            absent = {Finger(int(x)) for x in missing.split(",") if x.strip()}
        except ValueError:
            raise click.BadParameter("daftar jari tidak valid, contoh: 4,5", param_hint="--missing") from None
        present = set(slap.fingers) - absent
        poor_set = present if poor else set()
        capture = fingerprint.render_slap(seed, slap, present, impression=impression, poor=poor_set)
        image = capture.image
        if boxes:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            for f, (x, y, w, h) in capture.boxes.items():
                cv2.rectangle(image, (x, y), (x + w, y + h), (0, 0, 255), 3)
                cv2.putText(image, str(int(f)), (x + 8, y + 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 255), 3)
        note = "jari " + ", ".join(str(int(f)) for f in sorted(capture.boxes)) if capture.boxes else "tanpa jari"
    elif kind == "iris":
        shot = iris.render(seed, eye.upper(), impression, poor=poor)
        image = shot.image
        note = f"kualitas {shot.quality:.0f}, iris r={shot.iris_radius:.0f} px, pupil r={shot.pupil_radius:.0f} px"
    else:
        samples = signature.signature_samples(seed, attempt=impression)
        image = signature.render(samples)
        lifts = sum(1 for a, b in zip(samples, samples[1:]) if a.touching and not b.touching)
        strokes = lifts + int(samples[-1].touching)
        note = f"{strokes} goresan, {len(samples)} titik, {samples[-1].t:.2f} detik"
    _write(image, out)
    click.echo(f"{out}: {kind} seed {seed} ({note})")


# ------------------------------------------------------------------------------------- wire-level simulators


def _settings(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"harus KUNCI=NILAI, bukan {pair!r}", param_hint="--set")
        out[key.strip()] = value.strip()
    return out


def _wire_command(device: str, summary: str) -> click.Command:
    @click.command(name=device, help=summary)
    @click.option("--pty", "mode", flag_value="pty", help="Sajikan lewat pseudo-terminal (port serial tiruan).")
    @click.option("--tcp", "mode", flag_value="tcp", help="Sajikan lewat port TCP (socket://HOST:PORT).")
    @click.option("--rfc2217", "mode", flag_value="rfc2217",
                  help="Sajikan lewat port TCP dengan protokol RFC 2217 (rfc2217://HOST:PORT; baud dari host).")
    @click.option("--scenario", type=click.Path(dir_okay=False), help="Berkas skenario gangguan (TOML/JSON).")
    @click.option("--baud", type=click.IntRange(300, 4_000_000),
                  help="Batasi kecepatan jalur (baud, 8N1); dengan --rfc2217 host dapat mengubahnya.")
    @click.option("--seed", type=int, help="Orang sintetis (sidik jari, tanda tangan).")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Alamat TCP.")
    @click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port TCP (0 = bebas).")
    @click.option("--link", type=click.Path(dir_okay=False), help="Pty: path tautan tetap (default di /tmp).")
    @click.option("--set", "pairs", multiple=True, metavar="KUNCI=NILAI", help="Pengaturan simulator lain.")
    def command(mode, scenario, baud, seed, host, port, link, pairs) -> None:
        from simulators.scenario import ScenarioError
        from simulators.wire import create_device
        from simulators.wire.serve import serve

        if mode is None:
            raise click.UsageError("pilih --pty, --tcp atau --rfc2217")
        settings = _settings(pairs)
        settings["cold"] = "1"  # a device that is just switched on is deaf for a moment
        if baud is not None:
            settings["throttle"] = str(baud)
        if seed is not None:
            settings["seed"] = str(seed)
        try:
            sim = create_device(device, scenario, **settings)
        except ScenarioError as exc:
            raise click.ClickException(str(exc)) from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        try:
            serve(sim, mode, host=host, port=port, link=link)
        except OSError as exc:
            raise click.ClickException(f"tidak dapat membuka {mode}: {exc.strerror or exc}") from None

    return command


for _name, _summary in (
    ("zfm", "Modul sidik jari ZFM-20/R30x (paket EF01, 57600 baud)."),
    ("isdv4", "Signature pad Wacom ISDV4 (paket pena 9 byte, 38400 baud)."),
    ("printer", "Printer tiket ESC/POS (mencetak teks ke JSON)."),
    ("ledboard", "Papan antrean LED protokol Alpha."),
):
    cli.add_command(_wire_command(_name, _summary))


class TransportUnavailable(click.UsageError):
    """A transport the device does not have: a usage error (exit 2) shown as its one ``Error:`` line."""

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


#: name -> (module with serve_cli, summary, modes it serves, what it is when it has no serial face).
_EXTERNAL = {
    "stu": ("simulators.stu", "Signature pad Wacom STU (USB HID).", ("pty", "tcp"), "perangkat USB HID"),
    "sbi": ("simulators.sbi", "Perangkat MOSIP SBI (HTTP).", ("tcp",), "perangkat HTTP"),
    "camera": ("simulators.camera_server", "Kamera (OpenCV/gphoto2, HTTP MJPEG).", ("tcp",), "perangkat HTTP"),
}


def _external_command(name: str, module_name: str, summary: str, modes: tuple[str, ...], nature: str) -> click.Command:
    @click.command(name=name, help=summary)
    @click.option("--pty", "mode", flag_value="pty", help="Sajikan lewat pseudo-terminal.")
    @click.option("--tcp", "mode", flag_value="tcp", help="Sajikan lewat TCP.")
    @click.option("--rfc2217", "mode", flag_value="rfc2217", hidden=True)
    @click.option("--scenario", type=click.Path(dir_okay=False), help="Berkas skenario gangguan (TOML/JSON).")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Alamat TCP.")
    @click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port TCP (0 = bebas).")
    def command(mode, scenario, host, port) -> None:
        import importlib

        choices = " atau ".join(f"--{m}" for m in modes)
        if mode is None:
            raise click.UsageError(f"pilih {choices}")
        if mode not in modes:
            raise TransportUnavailable(
                f"{name} adalah {nature}, bukan perangkat serial: --{mode} tidak tersedia, gunakan {choices}"
            )
        try:
            serve_cli = getattr(importlib.import_module(module_name), "serve_cli")
        except (ImportError, AttributeError) as exc:
            raise click.ClickException(
                f"Simulator {name} belum tersedia ({module_name}.serve_cli tidak ditemukan: {exc})"
            ) from None
        serve_cli(mode, scenario, host, port)

    return command


for _name, (_module, _summary, _modes, _nature) in _EXTERNAL.items():
    cli.add_command(_external_command(_name, _module, _summary, _modes, _nature))


def main(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="ektp-sim", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Dibatalkan.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
