"""Population extract import on SQLite and PostgreSQL: line-exact rejections, upsert, all-or-nothing writes, CLI."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ektp_station.db.models import Resident
from ektp_station.errors import DatabaseUnavailable, StationError
from ektp_station.residents import (
    HEADER,
    ExtractFileError,
    find_residents,
    get_resident,
    import_csv,
    read_extract,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "penduduk_contoh.csv"
TODAY = date(2026, 11, 24)
HEADER_LINE = ",".join(HEADER)
KALIPARE_DESA = {
    "Putukrejo",
    "Kalipare",
    "Sumberpetung",
    "Sukowilangun",
    "Tumpakrejo",
    "Arjosari",
    "Kalirejo",
    "Arjowilangun",
    "Kaliasri",
}


def count_residents(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Resident))


def write(tmp_path: Path, lines: list[str], name: str = "penduduk.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def synthetic_rows(count: int) -> list[str]:
    """``count`` valid rows with distinct NIKs (men born on consecutive days from 1950)."""
    rows = []
    start = date(1950, 1, 1).toordinal()
    for i in range(count):
        born = date.fromordinal(start + i)
        nik = f"350711{born.day:02d}{born.month:02d}{born.year % 100:02d}0001"
        rows.append(
            f"{nik},3507110101150001,WARGA {i},L,MALANG,{born.isoformat()},DUSUN KRAJAN,001,001,Kalipare,"
            "KAWIN,ISLAM,PETANI/PEKEBUN"
        )
    return rows


# --------------------------------------------------------------------------- the example extract


def test_example_file_imports_fully(db):
    result = import_csv(db, EXAMPLE, today=TODAY)
    assert result.rejected == []
    assert (result.imported, result.updated) == (60, 0)
    assert count_residents(db) == 60

    siti = get_resident(db, "3507 1155 0199 0001")
    assert siti is not None
    assert (siti.jenis_kelamin, siti.tanggal_lahir, siti.desa) == ("P", date(1999, 1, 15), "Putukrejo")
    bagus = get_resident(db, "3507111501990001")
    assert (bagus.jenis_kelamin, bagus.tanggal_lahir) == ("L", date(1999, 1, 15))
    assert get_resident(db, "3507111501990009") is None

    everyone = find_residents(db)
    assert {resident.desa for resident in everyone} == KALIPARE_DESA
    assert all(resident.nik.startswith("350711") for resident in everyone)
    in_putukrejo = find_residents(db, desa="desa PUTUKREJO")
    assert in_putukrejo and {resident.desa for resident in in_putukrejo} == {"Putukrejo"}
    assert find_residents(db, desa="Kepanjen") == []


def test_example_file_has_the_promised_mix():
    from ektp_station.nik import eligibility

    parsed = read_extract(EXAMPLE, today=TODAY)
    assert parsed.rejected == [] and len(parsed.rows) == 60
    statuses = [eligibility(row["tanggal_lahir"], row["status_kawin"], TODAY) for row in parsed.rows]
    assert sum(s.pre_recording for s in statuses) >= 3  # 16 and unmarried
    assert sum(s.wajib_ktp and s.age < 17 for s in statuses) >= 2  # married under 17
    assert sum(s.age >= 17 for s in statuses) >= 30


# --------------------------------------------------------------------------- bad rows

GOOD_1 = "3507115501990001,3507111203180001,SITI AMINAH,P,MALANG,1999-01-15,DUSUN KRAJAN,002,001,Putukrejo,BELUM KAWIN,ISLAM,KARYAWAN SWASTA"


def bad_rows_file(tmp_path: Path) -> Path:
    lines = [
        HEADER_LINE,  # 1
        GOOD_1,  # 2
        # 3: bad NIK (serial 0000)
        "3507111501990000,3507111203180001,BUDI,L,MALANG,1999-01-15,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 4: NIK says female, record says male
        "3507116202000001,3507111203180001,TONI,L,MALANG,2000-02-22,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 5: NIK birth date differs from the record
        "3507112202000001,3507111203180001,TONO,L,MALANG,2000-02-23,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 6: good; DD-MM-YYYY, full-word sex, "Desa" prefix, unpadded RT, SIAK status suffix, long agama
        "3507111002850003,3507111203180002,SUGENG,LAKI-LAKI,BLITAR,10-02-1985,JL. MAWAR 3,2,1,desa kalipare,"
        "KAWIN BELUM TERCATAT,KEPERCAYAAN TERHADAP TUHAN YME,WIRASWASTA",
        # 7: bad No. KK (issue date 31-02)
        "3507110303800001,3507113102180001,SARNO,L,MALANG,1980-03-03,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 8: missing nama and pekerjaan
        "3507110404800001,3507111203180001,,L,MALANG,1980-04-04,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,",
        "",  # 9: blank line, skipped
        # 10: impossible birth date
        "3507110505800001,3507111203180001,PAIMAN,L,MALANG,1980-02-30,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 11: desa outside Kalipare
        "3507110606800001,3507111203180001,PAIJAN,L,MALANG,1980-06-06,DUSUN KRAJAN,002,001,Talangagung,KAWIN,ISLAM,PETANI",
        # 12: duplicate of line 2
        GOOD_1.replace("SITI AMINAH", "SITI AMINAH DUPLIKAT"),
        # 13-14: good row whose quoted alamat spans two physical lines
        '3507114707070001,3507111203180003,SRI WAHYUNI,P,MALANG,2007-07-07,"DUSUN KRAJAN',
        'GANG II",003,002,Kaliasri,BELUM KAWIN,ISLAM,PELAJAR/MAHASISWA',
        # 15: unknown sex spelling
        "3507110808800001,3507111203180001,KARTO,X,MALANG,1980-08-08,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 16: unknown status kawin
        "3507110909800001,3507111203180001,KASMAN,L,MALANG,1980-09-09,DUSUN KRAJAN,002,001,Putukrejo,DUDA,ISLAM,PETANI",
        # 17: wrong number of columns
        "3507111010800001,3507111203180001,KASIM,L,MALANG,1980-10-10,DUSUN KRAJAN,002,001,Putukrejo,KAWIN,ISLAM",
        # 18: RT not a number
        "3507111111800001,3507111203180001,KASNO,L,MALANG,1980-11-11,DUSUN KRAJAN,A1,001,Putukrejo,KAWIN,ISLAM,PETANI",
        # 19: good, a resident who moved in from Kepanjen (NIK prefix 350713): warning only, not rejected
        "3507131212800001,3507111203180004,WARSITO,L,MALANG,1980-12-12,DUSUN KRAJAN,001,001,Sumberpetung,KAWIN,ISLAM,PETANI",
        # 20: birth date in the future
        "3507110101300001,3507111203180001,ANAK,L,MALANG,2030-01-01,DUSUN KRAJAN,002,001,Putukrejo,BELUM KAWIN,ISLAM,-",
    ]
    return write(tmp_path, lines)


EXPECTED_REJECTIONS = {
    3: "NIK tidak valid: Nomor urut NIK",
    4: "NIK tidak sesuai data: NIK menunjukkan perempuan",
    5: "NIK tidak sesuai data: Tanggal lahir pada NIK (22-02-2000) tidak sama",
    7: "No. KK tidak valid",
    8: "kolom wajib kosong: nama, pekerjaan",
    10: 'tanggal_lahir "1980-02-30" bukan tanggal yang sah',
    11: 'desa "Talangagung" tidak ada di Kecamatan Kalipare',
    12: "NIK ganda: sudah ada di baris 2",
    15: 'jenis_kelamin "X" tidak dikenal',
    16: 'status_kawin "DUDA" tidak dikenal',
    17: "jumlah kolom 12, seharusnya 13",
    18: 'rt "A1" harus angka',
    20: "tanggal_lahir 2030-01-01 ada di masa depan",
}


def test_bad_rows_are_rejected_with_their_line_and_the_rest_kept(db, tmp_path):
    result = import_csv(db, bad_rows_file(tmp_path), today=TODAY)

    got = {rejection.line: rejection.reason for rejection in result.rejected}
    assert sorted(got) == sorted(EXPECTED_REJECTIONS)
    for line, start in EXPECTED_REJECTIONS.items():
        assert start in got[line], (line, got[line])
    assert [r.line for r in result.rejected] == sorted(got)  # reported in file order

    assert (result.imported, result.updated) == (4, 0)
    assert count_residents(db) == 4
    siti = get_resident(db, "3507115501990001")
    assert siti.nama == "SITI AMINAH"  # the first occurrence wins over the duplicate on line 12

    sugeng = get_resident(db, "3507111002850003")
    assert (sugeng.jenis_kelamin, sugeng.tanggal_lahir) == ("L", date(1985, 2, 10))
    assert (sugeng.desa, sugeng.rt, sugeng.rw) == ("Kalipare", "002", "001")
    assert (sugeng.status_kawin, sugeng.agama) == ("KAWIN", "KEPERCAYAAN")

    sri = get_resident(db, "3507114707070001")
    assert sri.alamat == "DUSUN KRAJAN\nGANG II"
    assert get_resident(db, "3507131212800001").desa == "Sumberpetung"


def test_rejected_reason_names_every_problem_of_a_row(tmp_path):
    path = write(
        tmp_path,
        [
            HEADER_LINE,
            "3507111501990001,3507111203180000,BUDI,P,MALANG,1999-01-15,DUSUN KRAJAN,0,001,Kepanjen,KAWIN,ISLAM,PETANI",
        ],
    )
    (rejection,) = read_extract(path, today=TODAY).rejected
    assert rejection.line == 2
    for part in ("NIK menunjukkan laki-laki", "No. KK tidak valid", "desa \"Kepanjen\"", 'rt "0"'):
        assert part in rejection.reason


def test_text_longer_than_its_column_is_rejected_not_fatal(db, tmp_path):
    long_alamat = "X" * 201
    path = write(tmp_path, [HEADER_LINE, GOOD_1.replace("DUSUN KRAJAN", long_alamat)])
    result = import_csv(db, path, today=TODAY)
    assert [(r.line, "alamat terlalu panjang" in r.reason) for r in result.rejected] == [(2, True)]
    assert count_residents(db) == 0


def test_crlf_bom_and_trailing_empty_rows_are_tolerated(tmp_path):
    text = "\ufeff" + HEADER_LINE + "\r\n" + GOOD_1 + "\r\n" + "," * 12 + "\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("utf-8"))
    parsed = read_extract(path, today=TODAY)
    assert parsed.rejected == [] and len(parsed.rows) == 1


def test_file_objects_are_accepted(tmp_path):
    raw = (HEADER_LINE + "\n" + GOOD_1 + "\n").encode()
    assert len(read_extract(io.BytesIO(raw), today=TODAY).rows) == 1
    assert len(read_extract(io.StringIO(raw.decode()), today=TODAY).rows) == 1


# --------------------------------------------------------------------------- re-import


def test_reimport_updates_instead_of_duplicating(db, tmp_path):
    first = import_csv(db, EXAMPLE, today=TODAY)
    assert (first.imported, first.updated) == (60, 0)

    again = import_csv(db, EXAMPLE, today=TODAY)
    assert (again.imported, again.updated, again.rejected) == (0, 60, [])
    assert count_residents(db) == 60

    changed = write(
        tmp_path,
        [
            HEADER_LINE,
            GOOD_1.replace("BELUM KAWIN", "KAWIN").replace("KARYAWAN SWASTA", "GURU"),
            synthetic_rows(1)[0],
        ],
    )
    result = import_csv(db, changed, today=TODAY)
    assert (result.imported, result.updated) == (1, 1)
    assert count_residents(db) == 61
    siti = get_resident(db, "3507115501990001")
    assert (siti.status_kawin, siti.pekerjaan) == ("KAWIN", "GURU")


# --------------------------------------------------------------------------- file-level errors


def test_wrong_header_is_a_typed_error_and_writes_nothing(db, tmp_path):
    path = write(tmp_path, [HEADER_LINE.replace("no_kk", "kk"), GOOD_1])
    with pytest.raises(ExtractFileError) as caught:
        import_csv(db, path, today=TODAY)
    assert isinstance(caught.value, StationError)
    assert "\n" not in caught.value.message
    assert "no_kk" in caught.value.message
    assert count_residents(db) == 0


@pytest.mark.parametrize(
    ("content", "in_message"),
    [
        (b"", "kosong"),
        (HEADER_LINE.replace(",", ";").encode() + b"\n", "titik koma"),
        (",".join(reversed(HEADER)).encode() + b"\n", "urutan kolom"),
        ((HEADER_LINE + "\n" + GOOD_1.replace("SITI", "SITÏ") + "\n").encode("latin-1"), "bukan teks UTF-8 (byte tidak valid di baris 2)"),
        ((HEADER_LINE + "\n").encode("utf-16-le"), "NUL"),
    ],
)
def test_unusable_files(tmp_path, content, in_message):
    path = tmp_path / "rusak.csv"
    path.write_bytes(content)
    with pytest.raises(ExtractFileError) as caught:
        read_extract(path, today=TODAY)
    assert in_message in caught.value.message
    assert "\n" not in caught.value.message


def test_missing_file(tmp_path):
    with pytest.raises(ExtractFileError, match="tidak ditemukan"):
        read_extract(tmp_path / "tidak-ada.csv")
    with pytest.raises(ExtractFileError, match="folder"):
        read_extract(tmp_path)


# --------------------------------------------------------------------------- all or nothing


def _connection_lost() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


def test_database_failure_at_commit_leaves_no_rows(db, mocker):
    mocker.patch.object(Session, "commit", side_effect=_connection_lost())
    with pytest.raises(DatabaseUnavailable, match="server closed the connection"):
        import_csv(db, EXAMPLE, today=TODAY)
    mocker.stopall()
    assert count_residents(db) == 0


def test_database_failure_mid_import_leaves_no_rows(db, tmp_path, mocker):
    path = write(tmp_path, [HEADER_LINE, *synthetic_rows(2500)])  # three batches of at most 1000 rows
    real_execute = Session.execute
    calls = {"n": 0}

    def flaky_execute(self, statement, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the first batch is already written inside the transaction
            raise _connection_lost()
        return real_execute(self, statement, *args, **kwargs)

    mocker.patch.object(Session, "execute", flaky_execute)
    with pytest.raises(DatabaseUnavailable):
        import_csv(db, path, today=TODAY)
    mocker.stopall()
    assert calls["n"] == 2
    assert count_residents(db) == 0

    # and the same file goes through once the database is back
    assert import_csv(db, path, today=TODAY).imported == 2500
    assert count_residents(db) == 2500


# --------------------------------------------------------------------------- CLI


def test_cli_nik_check_valid_json(run_cli):
    code, out, err = run_cli("nik", "check", "35.0711.550199.0001", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"valid", "reason", "warnings", "region", "sex", "birth_date"}
    assert payload["valid"] is True and payload["sex"] == "P" and payload["birth_date"] == "1999-01-15"
    assert payload["region"]["district"] == "Kalipare"


def test_cli_nik_check_invalid_prints_json_and_exits_1(run_cli):
    code, out, err = run_cli("nik", "check", "3507112902010001", "--json")
    assert code == 1
    payload = json.loads(out)
    assert payload["valid"] is False and "290201" in payload["reason"]
    assert len(err.strip().splitlines()) == 1


def test_cli_nik_check_text(run_cli):
    code, out, _ = run_cli("nik", "check", "3507133101990001")
    assert code == 0
    assert "Kepanjen" in out and "Peringatan" in out
    code, out, err = run_cli("nik", "check", "3507115501990001", "--jenis-kelamin", "L")
    assert code == 1 and out == ""
    assert "laki-laki" in err and len(err.strip().splitlines()) == 1


def test_cli_import_json_and_show(database_url, run_cli, tmp_path):
    code, out, err = run_cli("residents", "import", str(EXAMPLE), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["imported"] == 60 and payload["rejected"] == []
    assert payload["updated"] == 0

    code, out, err = run_cli("residents", "import", str(bad_rows_file(tmp_path)), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert [item["line"] for item in payload["rejected"]] == sorted(EXPECTED_REJECTIONS)
    assert all(set(item) == {"line", "reason"} for item in payload["rejected"])
    assert payload["imported"] == 4 and payload["updated"] == 1  # Siti Aminah was already there

    code, out, _ = run_cli("residents", "import", str(bad_rows_file(tmp_path)))
    assert code == 0
    assert f"ditolak    : {len(EXPECTED_REJECTIONS)} baris" in out
    assert "baris 3:" in out

    code, out, _ = run_cli("residents", "show", "3507115501990001")
    assert code == 0
    assert "3507 11•• •••• 0001" in out and "3507115501990001" not in out
    assert "SITI AMINAH" in out and "Putukrejo" in out

    code, out, _ = run_cli("residents", "show", "3507115501990001", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["nik"] == "3507115501990001" and payload["eligibility"]["wajib_ktp"] is True

    code, out, err = run_cli("residents", "show", "3507115501990009")
    assert code != 0 and out == ""
    assert "tidak ada di data penduduk" in err and "3507115501990009" not in err


def test_cli_import_missing_file_is_one_line_non_zero(data_dir, run_cli, tmp_path):
    code, out, err = run_cli("residents", "import", str(tmp_path / "tidak-ada.csv"))
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "tidak ditemukan" in err


def test_cli_import_wrong_header_is_one_line_non_zero(database_url, run_cli, tmp_path):
    path = write(tmp_path, ["nik;no_kk;nama", "x;y;z"])
    code, out, err = run_cli("residents", "import", str(path), "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "titik koma" in err
