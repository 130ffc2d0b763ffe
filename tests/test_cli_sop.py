"""``ektp-station sop list`` and ``ektp-station sop show``: text and JSON output, unknown codes."""

from __future__ import annotations

import json

from ektp_station.sop import load_catalogue

CODES = ["KK", "PINDAH", "SKCK", "AK1", "SKU", "WARIS", "LEGALISASI", "KERAMAIAN", "DISPNIKAH", "EKTP", "PROPOSAL"]
STEP_KEYS = {"label", "ordinal", "activity", "actor", "equipment", "standard_minutes", "output", "related"}
OPTIONAL_STEP_KEYS = {"standard_text", "until_event_end"}


def row_of(output: str, first_cell: str) -> str:
    return next(line for line in output.splitlines() if line.split()[:1] == [first_cell])


def test_list_text(run_cli):
    code, out, err = run_cli("sop", "list")
    assert (code, err) == (0, "")
    header = out.splitlines()[0]
    for column in ("Kode", "Judul", "Langkah", "Total waktu baku"):
        assert column in header
    for sop in load_catalogue().all():
        row = row_of(out, sop.code)
        assert sop.title in row
        assert f" {len(sop.steps)} " in row
    assert row_of(out, "EKTP").endswith("13  35,5 menit")
    assert row_of(out, "KERAMAIAN").endswith("31 menit + s.d. kegiatan berakhir")
    assert "11 SOP" in out


def test_list_json(run_cli):
    code, out, err = run_cli("sop", "list", "--json")
    assert (code, err) == (0, "")
    listing = json.loads(out)
    assert [entry["code"] for entry in listing] == CODES
    assert all(set(entry) == {"code", "title", "steps"} for entry in listing)
    by_code = {entry["code"]: entry for entry in listing}
    assert by_code["EKTP"] == {"code": "EKTP", "title": "SOP PEREKAMAN E-KTP", "steps": 13}
    assert by_code["KERAMAIAN"]["title"] == "SOP PELAYANAN REKOMENDASI IJIN KERAMAIAAN"
    assert by_code["KERAMAIAN"]["steps"] == 8


def test_show_text_is_a_timeline(run_cli):
    code, out, err = run_cli("sop", "show", "EKTP")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "EKTP — SOP PEREKAMAN E-KTP"
    assert "Bagian    : Pelayanan E-KTP" in lines
    for column in ("Langkah", "Pelaksana", "Waktu baku", "Kumulatif", "Keluaran"):
        assert column in out
    rows = [line for line in lines if line[:1].isdigit()]
    assert [row.split()[0] for row in rows] == ["1", "2", "3", "4", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6",
                                                "4.6", "4.7", "5"]
    assert "0,5 menit" in rows[6] and "23,5 menit" in rows[6] and "Hasil Tanda tangan Jelas" in rows[6]
    assert "Kasi Pemerintahan*" in rows[9] and "Kasi Pemerintahan*" in rows[10]
    assert rows[12].split()[:3] == ["5", "Petugas", "loket/Operator*"] and rows[12].rstrip().endswith("-")
    assert "      Perekaman Tanda Tangan" in lines
    assert "Total waktu baku: 35,5 menit" in lines
    assert "Catatan: " in out and "↓" in out


def test_show_text_open_ended_step(run_cli):
    code, out, _ = run_cli("sop", "show", "keramaian")
    assert code == 0
    monitoring = next(line for line in out.splitlines() if "Terpantaunya kegiatan keramaian" in line)
    assert "s.d. kegiatan berakhir" in monitoring and "26 menit + s.d. kegiatan" in monitoring
    assert "Total waktu baku: 31 menit + s.d. kegiatan berakhir" in out


def test_show_json(run_cli):
    code, out, err = run_cli("sop", "show", "ektp", "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert set(document) == {"code", "title", "steps"}
    assert (document["code"], document["title"]) == ("EKTP", "SOP PEREKAMAN E-KTP")
    for step in document["steps"]:
        assert STEP_KEYS <= set(step) <= STEP_KEYS | OPTIONAL_STEP_KEYS
    assert [step["ordinal"] for step in document["steps"]] == list(range(1, 14))
    signature = document["steps"][6]
    assert (signature["label"], signature["standard_minutes"], signature["actor"]) == (
        "4.3", 0.5, "Petugas loket/Operator")
    report = document["steps"][12]
    assert (report["label"], report["standard_minutes"], report["output"], report["equipment"]) == ("5", None, None, "")


def test_show_json_matches_catalogue_for_every_sop(run_cli):
    for sop in load_catalogue().all():
        code, out, _ = run_cli("sop", "show", sop.code, "--json")
        assert code == 0
        assert json.loads(out) == sop.to_json()


def test_show_json_related_and_event_end(run_cli):
    _, out, _ = run_cli("sop", "show", "KERAMAIAN", "--json")
    steps = json.loads(out)["steps"]
    monitoring = steps[6]
    assert monitoring["standard_minutes"] is None and monitoring["until_event_end"] is True
    assert steps[3]["related"] == "SOP Surat Keluar"
    assert steps[7]["related"] == "Alur pelaporan"
    assert steps[0]["related"] is None


def test_show_unknown_code_exits_2_with_one_line(run_cli):
    code, out, err = run_cli("sop", "show", "KTP")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "'KTP' tidak dikenal" in err
    assert all(known in err for known in CODES)


def test_show_unknown_code_json_also_fails(run_cli):
    code, out, err = run_cli("sop", "show", "nope", "--json")
    assert (code, out) == (2, "")
    assert "tidak dikenal" in err


def test_show_requires_a_code(run_cli):
    code, _, err = run_cli("sop", "show")
    assert code == 2
    assert "CODE" in err
