"""The SOP catalogue against the seed document, and the loader's validation of broken data files.

The seed ("SOP PATEN 2017 Kecamatan Kalipare", eleven tab-separated tables) is re-read here by a small
parser of its own, independent of the catalogue code, and every SOP and step is compared with it.
A byte-for-byte copy of the seed (shared/seed/000_4e76072064bed09b.txt) ships in tests/data so the comparison
always runs; ``EKTP_SOP_SEED`` points it at another copy.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pytest

from ektp_station.errors import CatalogueError, UnknownSop
from ektp_station.sop import Catalogue, Sop, Step, load_catalogue

SEED = Path(os.environ.get("EKTP_SOP_SEED", Path(__file__).parent / "data" / "sop_paten_2017_kalipare.txt"))
CODES_IN_SEED_ORDER = ["KK", "PINDAH", "SKCK", "AK1", "SKU", "WARIS", "LEGALISASI", "KERAMAIAN", "DISPNIKAH",
                       "EKTP", "PROPOSAL"]
UNTIL_EVENT_END = "Sampai dengan jadwal kegiatan berakhir"


# --- an independent reader of the seed tables -------------------------------------------------------------

@dataclass
class SeedStep:
    label: str
    activity: str
    equipment: str
    time: str
    output: str
    ket: str


@dataclass
class SeedTable:
    title: str
    section: str = ""
    actors: list[str] = field(default_factory=list)
    steps: list[SeedStep] = field(default_factory=list)


def read_seed(text: str) -> list[SeedTable]:
    """Tables of the seed: title line, actor header row, section row, then numbered step rows.

    Step cells are taken from the right end of each row (Persyaratan, Waktu, Output, Ket.), after
    checking the row has exactly label + activity + one cell per actor + those four: the Proposal
    table's header row carries an extra empty cell, its step rows do not.
    """
    tables: list[SeedTable] = []
    for line in text.splitlines():
        if re.match(r"SOP (PELAYANAN|PEREKAMAN) ", line):
            tables.append(SeedTable(title=line))
            continue
        if not tables or "\t" not in line or line.startswith("Uraian Prosedur"):
            continue
        table = tables[-1]
        cells = line.split("\t")
        if cells[0] == "" and cells[1] == "":
            table.actors = cells[2:cells.index("Persyaratan / Kelengkapan")]
        elif re.fullmatch(r"\d+(\.\d*)?", cells[0]):
            assert len(cells) == 2 + len(table.actors) + 4, (table.title, cells)
            equipment, time, output, ket = cells[-4:]
            table.steps.append(SeedStep(cells[0], cells[1], equipment, time, output, ket))
        else:
            table.section = cells[0]
    return tables


def seed_minutes(time: str) -> float | None:
    match = re.fullmatch(r"(\d+)(?:,(\d+))?\s+[Mm]enit", time)
    if match is None:
        return None
    return float(f"{match.group(1)}.{match.group(2) or 0}")


@pytest.fixture(scope="module")
def seed_tables() -> list[SeedTable]:
    return read_seed(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def seed_pairs(seed_tables, catalogue):
    assert len(seed_tables) == 11
    return list(zip(seed_tables, catalogue.all(), strict=True))


# --- the shipped catalogue against the seed ---------------------------------------------------------------

def test_eleven_sops_in_seed_order(catalogue, seed_tables):
    assert len(seed_tables) == 11
    assert list(catalogue.codes()) == CODES_IN_SEED_ORDER
    assert [sop.title for sop in catalogue.all()] == [table.title for table in seed_tables]


def test_sop_headers_match_seed(catalogue, seed_tables):
    for table, sop in seed_pairs(seed_tables, catalogue):
        assert sop.section == table.section, sop.code
        assert list(sop.actors) == table.actors, sop.code
        assert sop.note.strip(), sop.code


def test_every_step_matches_seed(catalogue, seed_tables):
    for table, sop in seed_pairs(seed_tables, catalogue):
        assert len(sop.steps) == len(table.steps), sop.code
        for row, step in zip(table.steps, sop.steps):
            where = f"{sop.code} {row.label}"
            assert step.label == row.label, where
            assert step.activity == re.sub(r"</?i>", "", row.activity), where
            assert step.equipment == row.equipment, where
            assert step.output == (row.output or None), where
            assert step.standard_text == (row.time or None), where
            assert step.standard_minutes == seed_minutes(row.time), where
            assert step.until_event_end == (row.time == UNTIL_EVENT_END), where
            expected_related = row.ket.removeprefix("Keterkaitan :").strip() or None
            assert step.related == expected_related, where


def test_every_timed_seed_cell_is_understood(seed_tables):
    """No Waktu cell is silently dropped: each is a number of minutes, the event-end text, or empty."""
    for table in seed_tables:
        for row in table.steps:
            assert row.time in ("", UNTIL_EVENT_END) or seed_minutes(row.time) is not None, (table.title, row.time)


def test_steps_are_ordered_and_actors_belong_to_their_sop(catalogue):
    for sop in catalogue.all():
        assert [step.ordinal for step in sop.steps] == list(range(1, len(sop.steps) + 1)), sop.code
        assert all(step.actor in sop.actors for step in sop.steps), sop.code


def test_ektp_labels_times_and_actors(catalogue):
    ektp = catalogue.get("EKTP")
    assert [step.label for step in ektp.steps] == ["1", "2", "3", "4", "4.1", "4.2", "4.3", "4.4", "4.5",
                                                   "4.6", "4.6", "4.7", "5"]
    by_ordinal = {step.ordinal: step for step in ektp.steps}
    assert by_ordinal[7].label == "4.3" and by_ordinal[7].standard_minutes == 0.5
    assert by_ordinal[7].standard_text == "0,5 menit"
    last = ektp.steps[-1]
    assert last.label == "5"
    assert (last.standard_minutes, last.standard_text, last.until_event_end) == (None, None, False)
    assert [step.actor for step in ektp.steps if step.label == "4.6"] == ["Kasi Pemerintahan"] * 2
    assert by_ordinal[1].actor == "Pemohon" and by_ordinal[3].actor == "Pemohon"
    assert {by_ordinal[n].actor for n in (2, 4, 5, 6, 7, 8, 9, 12, 13)} == {"Petugas loket/Operator"}
    assert all(step.actor_inferred for step in ektp.steps)
    assert "↓" in ektp.note
    assert ektp.total_standard_minutes == 35.5


def test_keramaian_monitoring_lasts_until_event_end(catalogue):
    keramaian = catalogue.get("KERAMAIAN")
    assert keramaian.title == "SOP PELAYANAN REKOMENDASI IJIN KERAMAIAAN"
    assert [step.label for step in keramaian.steps].count("6") == 2
    monitoring = next(step for step in keramaian.steps if step.activity.startswith("Memantau"))
    assert monitoring.until_event_end is True
    assert monitoring.standard_minutes is None
    assert monitoring.standard_text == UNTIL_EVENT_END
    assert keramaian.open_ended


def test_applicant_submits_first_in_every_sop(catalogue):
    for sop in catalogue.all():
        assert sop.steps[0].activity == "Menyerahkan berkas permohonan", sop.code
        assert sop.steps[0].actor == "Pemohon", sop.code


def test_proposal_actors_and_skipped_labels(catalogue):
    assert catalogue.get("PROPOSAL").actors == ("Pemohon", "Staf/Petugas Loker", "Kasi Ekbang dan PM / Kasi Kessos",
                                                "Camat")
    assert "4" not in [step.label for step in catalogue.get("SKCK").steps]
    assert "5" not in [step.label for step in catalogue.get("PINDAH").steps]


def test_data_files_are_named_after_their_code():
    data = resources.files("ektp_station.sop").joinpath("data")
    names = sorted(entry.name for entry in data.iterdir() if entry.name.endswith(".toml"))
    assert names == sorted(f"{code.lower()}.toml" for code in CODES_IN_SEED_ORDER)


# --- the Catalogue API --------------------------------------------------------------------------------------

def test_get_is_case_insensitive(catalogue):
    assert catalogue.get("ektp") is catalogue.get("EKTP") is catalogue.get(" Ektp ")


def test_unknown_code_lists_valid_codes(catalogue):
    with pytest.raises(UnknownSop) as info:
        catalogue.get("KTP-EL")
    message = info.value.message
    assert "\n" not in message
    assert "KTP-EL" in message and "tidak dikenal" in message
    assert all(code in message for code in CODES_IN_SEED_ORDER)


def test_default_catalogue_is_cached():
    assert load_catalogue() is load_catalogue()


def test_models_are_frozen(catalogue):
    with pytest.raises(AttributeError):
        catalogue.get("KK").code = "X"  # type: ignore[misc]


def test_json_shapes(catalogue):
    step = catalogue.get("EKTP").steps[6]
    assert step.to_json() == {
        "label": "4.3", "ordinal": 7, "activity": "Perekaman Tanda Tangan", "actor": "Petugas loket/Operator",
        "equipment": "Signature pad", "standard_minutes": 0.5, "standard_text": "0,5 menit",
        "until_event_end": False, "output": "Hasil Tanda tangan Jelas", "related": None,
    }
    document = catalogue.get("KK").to_json()
    assert set(document) == {"code", "title", "steps"}
    assert document["steps"][3]["related"] == "SOP Surat Keluar"


# --- validation of broken data files -----------------------------------------------------------------------

VALID = """\
code = "UJI"
title = "SOP PELAYANAN UJI"
section = "Pelayanan Uji"
seed_order = 1
actors = ["Pemohon", "Staf/Petugas Loker"]
note = "Catatan uji."

[[steps]]
label = "1"
ordinal = 1
activity = "Menyerahkan berkas permohonan"
actor = "Pemohon"
actor_inferred = true
equipment = "Persyaratan"
standard_minutes = 5
standard_text = "5 menit"
output = "Berkas"

[[steps]]
label = "1."
ordinal = 2
activity = "Memantau kegiatan"
actor = "Staf/Petugas Loker"
actor_inferred = false
equipment = ""
until_event_end = true
standard_text = "Sampai dengan jadwal kegiatan berakhir"
"""


def edited(old: str, new: str) -> str:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


def test_valid_minimal_file_loads(tmp_path):
    (tmp_path / "uji.toml").write_text(VALID, encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    uji = catalogue.get("uji")
    assert isinstance(uji, Sop) and all(isinstance(step, Step) for step in uji.steps)
    assert uji.steps[0].standard_minutes == 5.0
    assert uji.steps[1].until_event_end and uji.steps[1].standard_minutes is None
    assert uji.steps[1].equipment == "" and uji.steps[1].output is None


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        pytest.param(edited('code = "UJI"', 'code = '), "bukan TOML yang sah", id="syntax"),
        pytest.param(edited('title = "SOP PELAYANAN UJI"\n', ""), "'title' tidak ada", id="missing-key"),
        pytest.param(edited('note = "Catatan uji."', 'note = "Catatan uji."\ncolour = "merah"'),
                     "tidak dikenal 'colour'", id="unknown-key"),
        pytest.param(edited('output = "Berkas"', 'output = "Berkas"\nduration = 5'),
                     "langkah ke-1: kunci tidak dikenal 'duration'", id="unknown-step-key"),
        pytest.param(edited("label = \"1.\"\nordinal = 2\nactivity = \"Memantau kegiatan\"\nactor = "
                            "\"Staf/Petugas Loker\"\nactor_inferred = false\nequipment = \"\"\n", ""),
                     "langkah ke-2: kunci wajib 'label' tidak ada", id="missing-step-key"),
        pytest.param(edited("seed_order = 1", 'seed_order = "1"'), "'seed_order' harus bilangan bulat",
                     id="wrong-type"),
        pytest.param(edited("actor_inferred = true", 'actor_inferred = "ya"'), "'actor_inferred' harus boolean",
                     id="wrong-step-type"),
        pytest.param(edited("ordinal = 1", "ordinal = true"), "'ordinal' harus bilangan bulat", id="bool-ordinal"),
        pytest.param(edited("standard_minutes = 5", 'standard_minutes = "5"'), "'standard_minutes' harus bilangan",
                     id="text-minutes"),
        pytest.param(edited('actors = ["Pemohon", "Staf/Petugas Loker"]', 'actors = "Pemohon"'),
                     "'actors' harus daftar", id="actors-not-list"),
        pytest.param(edited("ordinal = 2", "ordinal = 3"), "ordinal 3, seharusnya 2", id="ordinal-gap"),
        pytest.param(edited("ordinal = 1", "ordinal = 2").replace("ordinal = 2\nactivity = \"Memantau",
                                                                  "ordinal = 1\nactivity = \"Memantau"),
                     "ordinal 2, seharusnya 1", id="ordinal-order"),
        pytest.param(edited('actor = "Pemohon"', 'actor = "Camat"'), "'Camat' bukan salah satu pelaksana",
                     id="unknown-actor"),
        pytest.param(edited("standard_minutes = 5", "standard_minutes = -5"), "lebih dari 0", id="negative-time"),
        pytest.param(edited("standard_minutes = 5", "standard_minutes = nan"), "lebih dari 0", id="nan-time"),
        pytest.param(edited("until_event_end = true", "until_event_end = true\nstandard_minutes = 60"),
                     "until_event_end = true tidak boleh bersama standard_minutes", id="event-end-with-number"),
        pytest.param(edited('standard_text = "5 menit"\n', ""), "tanpa standard_text", id="minutes-without-text"),
        pytest.param(edited("until_event_end = true\n", ""), "standard_text tanpa standard_minutes",
                     id="text-without-time"),
        pytest.param(edited('output = "Berkas"', 'output = "  "'), "'output' tidak boleh kosong", id="blank-output"),
        pytest.param(edited('code = "UJI"', 'code = "uji"'), "kode 'uji'", id="lower-case-code"),
        pytest.param(edited("seed_order = 1", "seed_order = 0"), "seed_order harus 1 atau lebih", id="seed-order"),
        pytest.param(VALID.split("[[steps]]")[0] + "steps = []\n", "'steps' tidak boleh kosong", id="no-steps"),
    ],
)
def test_broken_file_is_rejected_with_its_name(tmp_path, broken, reason):
    (tmp_path / "uji.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    message = info.value.message
    assert "uji.toml" in message
    assert reason in message
    assert "\n" not in message


def test_duplicate_code_names_both_files(tmp_path):
    (tmp_path / "a.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.toml").write_text(edited("seed_order = 1", "seed_order = 2"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"b\.toml: kode SOP 'UJI' sudah dipakai oleh a\.toml"):
        load_catalogue(tmp_path)


def test_duplicate_seed_order_names_both_files(tmp_path):
    (tmp_path / "a.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.toml").write_text(edited('code = "UJI"', 'code = "UJI2"'), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"b\.toml: seed_order 1 sudah dipakai oleh a\.toml"):
        load_catalogue(tmp_path)


def test_non_utf8_file_is_rejected(tmp_path):
    (tmp_path / "uji.toml").write_bytes(VALID.encode("utf-16"))
    with pytest.raises(CatalogueError, match=r"uji\.toml: bukan teks UTF-8"):
        load_catalogue(tmp_path)


def test_empty_or_missing_directory_is_rejected(tmp_path):
    with pytest.raises(CatalogueError, match="tidak berisi berkas .toml"):
        load_catalogue(tmp_path)
    with pytest.raises(CatalogueError, match="tidak ada"):
        load_catalogue(tmp_path / "tidak-ada")


def test_catalogue_from_directory_is_sorted_by_seed_order(tmp_path):
    (tmp_path / "a.toml").write_text(edited("seed_order = 1", "seed_order = 2"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(edited('code = "UJI"', 'code = "AWAL"'), encoding="utf-8")
    assert load_catalogue(tmp_path).codes() == ("AWAL", "UJI")
