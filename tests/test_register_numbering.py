"""Register numbers per service per year, the one outgoing-letter sequence shared by all services ("SOP Surat
Keluar"), the classification tables, and allocation under concurrency. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from ektp_station.register import numbering
from ektp_station.register.errors import InvalidInput
from ektp_station.register.models import Counter, NumberAllocation
from ektp_station.register.service import RegisterService
from ektp_station.residents import import_csv
from tests.test_register_support import DETAILS, SAMPLE_CSV, SITI, T0, minutes


@pytest.fixture
def register(db):
    import_csv(db, SAMPLE_CSV)
    return RegisterService(db)


def _registered(register, code: str, at=T0) -> dict:
    app = register.intake(code, SITI, details=DETAILS[code], at=at)
    return register.check(app["id"], all_present=True, at=at)


def test_register_numbers_run_per_service_and_restart_each_year(register):
    numbers = [_registered(register, code)["register_number"] for code in ("SKCK", "SKCK", "AK1", "SKCK")]
    assert numbers == ["0001/SKCK/2026", "0002/SKCK/2026", "0001/AK1/2026", "0003/SKCK/2026"]
    # 31 December 2026 17:30 UTC is already 1 January 2027 in Kalipare (WIB).
    new_year = datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc)
    assert _registered(register, "SKCK", at=new_year)["register_number"] == "0001/SKCK/2027"


def test_one_outgoing_letter_sequence_for_every_service(register):
    issued = []
    for code in ("SKCK", "AK1", "DISPNIKAH", "SKCK"):
        app = _registered(register, code)
        issued.append(register.issue(app["id"], at=T0 + minutes(10))["letter"]["number"])
    assert issued == ["300/1/35.07.11/2026", "500.15.9/2/35.07.11/2026", "400.12.3.2/3/35.07.11/2026",
                      "300/4/35.07.11/2026"]
    with register.db.transaction() as s:
        assert numbering.last_number(s, "SURAT_KELUAR", 2026) == 4


def test_per_service_letter_sequences_and_padding_by_office_setting(db, tmp_path, monkeypatch):
    import_csv(db, SAMPLE_CSV)
    override = tmp_path / "override"
    override.mkdir()
    from importlib import resources

    office = resources.files("ektp_station.register").joinpath("data/office.toml").read_text(encoding="utf-8")
    office = office.replace('letter_sequence_scope = "global"', 'letter_sequence_scope = "per_service"')
    office = office.replace('letter_number_format = "{kode}/{no}/{kode_wilayah}/{tahun}"',
                            'letter_number_format = "{kode}/{no:03d}/{kode_wilayah}/{bulan_romawi}/{tahun}"')
    (override / "office.toml").write_text(office, encoding="utf-8")
    monkeypatch.setenv("EKTP_REGISTER_DATA_DIR", str(override))
    register = RegisterService(db)
    numbers = []
    for code in ("SKCK", "AK1", "SKCK"):
        app = _registered(register, code)
        numbers.append(register.issue(app["id"], at=T0 + minutes(10))["letter"]["number"])
    assert numbers == ["300/001/35.07.11/XI/2026", "500.15.9/001/35.07.11/XI/2026", "300/002/35.07.11/XI/2026"]


def test_classification_table_by_letter_date_or_choice(register, db):
    old = datetime(2022, 6, 15, 2, 0, tzinfo=timezone.utc)
    app = _registered(register, "SKU", at=old)
    from ektp_station.register.service import Photo
    from tests.test_register_support import PNG_PHOTO

    register.record_visit(app["id"], officer="B", visit_date="2022-06-15", location="L",
                          photos=[Photo("a.png", PNG_PHOTO)], at=old)
    view = register.issue(app["id"], at=old)
    assert view["letter"]["number"] == "517/1/35.07.11/2022"
    assert view["letter"]["classification_table"] == "2012"
    chosen = _registered(register, "SKCK")
    view = register.issue(chosen["id"], classification="331", table="2012", at=T0 + minutes(5))
    assert view["letter"]["number"] == "331/1/35.07.11/2026"
    refused = _registered(register, "SKCK")
    with register.db.transaction() as s:
        before = numbering.last_number(s, "SURAT_KELUAR", 2026)
    with pytest.raises(InvalidInput, match="tidak ada dalam tabel Permendagri 83/2022"):
        register.issue(refused["id"], classification="471.14", at=T0 + minutes(6))
    with register.db.transaction() as s:
        assert numbering.last_number(s, "SURAT_KELUAR", 2026) == before  # nothing allocated


def test_a_counter_set_back_by_hand_skips_numbers_already_given(db):
    at = T0
    with db.transaction() as s:
        assert [numbering.allocate(s, "SURAT_KELUAR", 2026, f"r{i}", at) for i in range(3)] == [1, 2, 3]
    with db.transaction() as s:
        s.execute(update(Counter).values(last_number=1))
    with db.transaction() as s:
        assert numbering.allocate(s, "SURAT_KELUAR", 2026, "r4", at) == 4


def test_a_rolled_back_transaction_gives_its_number_back(db):
    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            numbering.allocate(s, "SURAT_KELUAR", 2026, "lost", T0)
            raise RuntimeError("printer jammed")
    with db.transaction() as s:
        assert numbering.allocate(s, "SURAT_KELUAR", 2026, "kept", T0) == 1


def test_concurrent_allocations_never_share_a_number(db):
    workers, each = 6, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                with db.transaction() as s:
                    numbering.allocate(s, "SURAT_KELUAR", 2026, f"w{worker}-{i}", T0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.transaction() as s:
        numbers = sorted(s.scalars(select(NumberAllocation.number).where(NumberAllocation.scope == "SURAT_KELUAR")))
    assert numbers == list(range(1, workers * each + 1))


def test_concurrent_letters_of_different_services_get_consecutive_numbers(register):
    codes = ["SKCK", "AK1", "DISPNIKAH", "WARIS", "PROPOSAL", "KERAMAIAN"]
    apps = [_registered(register, code)["id"] for code in codes]
    barrier = threading.Barrier(len(apps))
    errors: list[BaseException] = []

    def issue(app_id: str) -> None:
        try:
            barrier.wait()
            register.issue(app_id, at=T0 + minutes(10))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(int(register.show(a)["letter"]["number"].split("/")[-3]) for a in apps)
    assert sequences == list(range(1, len(apps) + 1))
