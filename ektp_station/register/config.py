"""Where the register's editable data lives, and loading it as one validated bundle.

Defaults ship in the package (``ektp_station/register/data/*.toml`` and ``ektp_station/register/templates/*.toml``).
An office changes them without touching the installation by putting a file of the same name in the override
directory: ``$EKTP_REGISTER_DATA_DIR`` if set, else ``$EKTP_DATA_DIR/register/`` (templates in its
``templates/`` subfolder). A file there replaces the shipped file as a whole.

:func:`load_register_data` reads every file, validates each and checks them against each other and against the
SOP catalogue; any problem is a :class:`~ektp_station.register.errors.RegisterDataError` naming the file. The
result is cached per override directory and the files' modification times.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ektp_station import settings
from ektp_station.register.classification import ClassificationSettings, parse_classification, parse_table
from ektp_station.register.errors import RegisterDataError, UnknownService
from ektp_station.register.office import Office, parse_office
from ektp_station.register.requirements import parse_requirements
from ektp_station.register.services import ServiceDef, build_services
from ektp_station.register.signers import Position, parse_signers
from ektp_station.register.skm import SkmElement, parse_skm_elements
from ektp_station.register.templates import LetterTemplate, parse_template
from ektp_station.sop.catalogue import load_catalogue

_PACKAGE = "ektp_station.register"
DATA_FILES = ("services.toml", "requirements.toml", "classification.toml", "classification_2012.toml",
              "classification_2022.toml", "signers.toml", "office.toml", "skm.toml")


@dataclass(frozen=True)
class RegisterData:
    """Everything the register reads from data files."""

    services: dict[str, ServiceDef]
    classification: ClassificationSettings
    signers: dict[str, Position]
    office: Office
    skm_elements: tuple[SkmElement, ...]
    templates: dict[str, LetterTemplate]

    def service(self, code: str) -> ServiceDef:
        key = (code or "").strip().upper()
        found = self.services.get(key)
        if found is None:
            raise UnknownService(
                f"Layanan {code!r} tidak dikenal; kode yang tersedia: {', '.join(self.services)}"
            )
        return found


def override_dir() -> Path:
    explicit = os.environ.get("EKTP_REGISTER_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    return settings.data_dir() / "register"


def load_register_data(directory: Path | None = None) -> RegisterData:
    """The validated register data (package defaults, each file replaced by its override if present)."""
    where = directory if directory is not None else override_dir()
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in _override_files(where)))
    return _load(str(where), stamp)


def _override_files(where: Path) -> list[Path]:
    files: list[Path] = []
    for folder in (where, where / "templates"):
        if folder.is_dir():
            files.extend(p for p in folder.iterdir() if p.is_file() and p.suffix == ".toml")
    return files


def _read(where: Path, name: str, *, sub: str = "data") -> tuple[dict[str, Any], str]:
    local = where / name if sub == "data" else where / "templates" / name
    if local.is_file():
        raw, shown = local.read_bytes(), str(local)
    else:
        entry = resources.files(_PACKAGE).joinpath(sub).joinpath(name)
        raw, shown = entry.read_bytes(), f"{sub}/{name}"
    try:
        return tomllib.loads(raw.decode("utf-8")), shown
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RegisterDataError(f"berkas data register {shown}: bukan TOML UTF-8 yang sah ({exc})") from None


def _template_names(where: Path) -> list[str]:
    names = {entry.name for entry in resources.files(_PACKAGE).joinpath("templates").iterdir()
             if entry.name.endswith(".toml")}
    if (where / "templates").is_dir():
        names.update(p.name for p in (where / "templates").iterdir() if p.suffix == ".toml")
    return sorted(names)


def _guard(shown: str, parse, *args):
    """Run one file's parser; its ValueError becomes a RegisterDataError naming the file."""
    try:
        return parse(*args)
    except RegisterDataError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        reason = exc.args[0] if exc.args else type(exc).__name__
        raise RegisterDataError(f"berkas data register {shown}: {reason}") from None


@functools.lru_cache(maxsize=8)
def _load(where_text: str, _stamp: tuple) -> RegisterData:
    where = Path(where_text)
    docs = {name: _read(where, name) for name in DATA_FILES}
    office = _guard(docs["office.toml"][1], parse_office, docs["office.toml"][0])
    signers = _guard(docs["signers.toml"][1], parse_signers, docs["signers.toml"][0])
    tables = {
        "2012": _guard(docs["classification_2012.toml"][1], parse_table, docs["classification_2012.toml"][0]),
        "2022": _guard(docs["classification_2022.toml"][1], parse_table, docs["classification_2022.toml"][0]),
    }
    requirements = _guard(docs["requirements.toml"][1], parse_requirements, docs["requirements.toml"][0])
    skm_elements = _guard(docs["skm.toml"][1], parse_skm_elements, docs["skm.toml"][0])
    services = _guard(docs["services.toml"][1], build_services, docs["services.toml"][0], load_catalogue(),
                      requirements, signers)
    classification = _guard(docs["classification.toml"][1], parse_classification, docs["classification.toml"][0],
                            tables, tuple(services))
    templates: dict[str, LetterTemplate] = {}
    for name in _template_names(where):
        doc, shown = _read(where, name, sub="templates")
        template = _guard(shown, parse_template, doc, services)
        if template.service in templates:
            raise RegisterDataError(f"templat surat {shown}: layanan {template.service} sudah punya templat")
        templates[template.service] = template
    missing = [code for code in services if code not in templates]
    if missing:
        raise RegisterDataError(f"templat surat belum ada untuk layanan: {', '.join(missing)}")
    return RegisterData(services=services, classification=classification, signers=signers, office=office,
                        skm_elements=skm_elements, templates=templates)
