"""The register's editable data: services follow the SOP catalogue, requirement lists, the two classification
tables, signers, office, letter templates; office overrides; broken files are one-line errors."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from ektp_station.register.config import load_register_data
from ektp_station.register.errors import InvalidInput, RegisterDataError, UnknownService
from ektp_station.sop.catalogue import load_catalogue
from tests.test_register_support import SERVICES


def _shipped(name: str, sub: str = "data") -> str:
    return resources.files("ektp_station.register").joinpath(sub).joinpath(name).read_text(encoding="utf-8")


@pytest.fixture
def override(tmp_path, monkeypatch, data_dir):
    folder = tmp_path / "override"
    (folder / "templates").mkdir(parents=True)
    monkeypatch.setenv("EKTP_REGISTER_DATA_DIR", str(folder))
    return folder


def test_the_ten_services_follow_their_catalogue_steps(data_dir):
    data = load_register_data()
    catalogue = load_catalogue()
    assert list(data.services) == SERVICES
    for code, service in data.services.items():
        sop = catalogue.get(code)
        assert service.steps == sop.steps and len(service.kinds) == len(sop.steps)
        assert service.kinds[:2] == ("submit", "check")
        for step, kind in zip(sop.steps, service.kinds):
            if kind == "report":
                assert step.related == "Alur pelaporan"
            if kind == "monitor":
                assert step.until_event_end
    sku = data.service("sku")
    assert sku.step_of_kind("review").standard_minutes == 120.0 and sku.site_visit
    assert data.service("KERAMAIAN").has("monitor")
    assert not data.service("KK").has("archive") and not data.service("KK").has("report")
    assert data.service("SKCK").kinds == ("submit", "check", "register_review", "handover", "report")
    with pytest.raises(UnknownService, match="EKTP"):
        data.service("EKTP")


def test_default_requirements_and_classification_codes(data_dir):
    data = load_register_data()
    waris = {r.code: r for r in data.service("WARIS").requirements}
    assert "bermeterai Rp10.000" in waris["pernyataan_waris"].label and not waris["silsilah"].required
    kk = [r.code for r in data.service("KK").requirements if r.applies("baru")]
    assert "buku_nikah" in kk and "kk_lama" not in kk
    settings = data.classification
    assert settings.tables["2012"].codes["471.14"] == "Kartu Keluarga"
    assert settings.tables["2022"].codes["400.12.2.2"] == "Pindah Datang dalam Wilayah NKRI"
    assert settings.choose("PINDAH", date(2017, 5, 2)).code == "471.21"
    assert settings.choose("PINDAH", date(2026, 5, 2)).code == "400.12.2.2"
    assert settings.choose("PINDAH", date(2026, 5, 2), table="2012").code == "471.21"
    with pytest.raises(InvalidInput, match="tidak ada dalam tabel"):
        settings.choose("SKU", date(2026, 1, 1), code="999")
    assert data.office.letter_number("471.21", 123, date(2017, 6, 1)) == "471.21/123/35.07.11/2017"
    assert data.office.register_number("SKU", 7, 2026) == "0007/SKU/2026"
    assert data.office.is_own_letter_number("470/123/35.07.11/2017")
    assert data.office.is_own_letter_number("145/012/35.07.11/VI/2017")
    assert not data.office.is_own_letter_number("470/123/35.07.13/2017")


def test_an_office_override_replaces_one_file(override):
    requirements = _shipped("requirements.toml").replace(
        '{ code = "pas_foto", label = "Pas foto 4x6 latar merah 2 lembar" },',
        '{ code = "pas_foto", label = "Pas foto 4x6 latar merah 6 lembar" },')
    (override / "requirements.toml").write_text(requirements, encoding="utf-8")
    data = load_register_data()
    labels = {r.code: r.label for r in data.service("SKCK").requirements}
    assert labels["pas_foto"] == "Pas foto 4x6 latar merah 6 lembar"
    assert data.office.region_code == "35.07.11"  # the other files are still the shipped ones


def test_an_edited_template_changes_the_letter_text(override):
    text = _shipped("skck.toml", "templates").replace('title = "SURAT REKOMENDASI"',
                                                      'title = "SURAT REKOMENDASI SKCK"')
    (override / "templates" / "skck.toml").write_text(text, encoding="utf-8")
    assert load_register_data().templates["SKCK"].title == "SURAT REKOMENDASI SKCK"


@pytest.mark.parametrize("name, sub, old, new, message", [
    ("services.toml", "data", 'steps = ["submit", "check", "register", "review", "handover"]',
     'steps = ["submit", "check", "register", "review"]', "katalog SOP punya 5 langkah"),
    ("services.toml", "data", 'signers = ["KASI_PP", "SEKCAM"]', 'signers = ["LURAH"]', "'LURAH' tidak ada"),
    ("requirements.toml", "data", '{ code = "f101"', '{ code = "F-101"', "code harus huruf kecil"),
    ("classification.toml", "data", '"2022" = "500.2"', '"2022" = "999.9"', "tidak ada dalam tabel"),
    ("office.toml", "data", 'letter_number_format = "{kode}/{no}/{kode_wilayah}/{tahun}"',
     'letter_number_format = "{kode}/{nomor}/{tahun}"', "token tidak dikenal"),
    ("skm.toml", "data", 'code = "U9"', 'code = "U10"', "code harus U9"),
    ("sku.toml", "templates", "{nama_usaha}", "{nama_toko}", "{nama_toko} tidak dikenal"),
    ("services.toml", "data", "[SKCK]", "[SKCK", "bukan TOML"),
])
def test_a_broken_data_file_is_one_line_naming_it(override, name, sub, old, new, message):
    text = _shipped(name, sub)
    assert old in text
    target = override / name if sub == "data" else override / "templates" / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RegisterDataError, match=message) as caught:
        load_register_data()
    assert "\n" not in caught.value.message
    assert name in caught.value.message if sub == "data" else "templat surat SKU" in caught.value.message
