"""Weekly and monthly register reports as files: PDF with charts (fpdf2 drawing), XLSX (openpyxl) and CSV.

All three are made from the report dictionary of ``reports.py``; the column headings are Bahasa Indonesia.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill

from ektp_station.register import indo
from ektp_station.register.office import Office
from ektp_station.register.pdf import Document, letterhead
from ektp_station.register.states import ORDER

STATE_COLOURS = {
    "DITERIMA": (158, 202, 225), "BERKAS_KURANG": (253, 174, 97), "DIPERIKSA": (107, 174, 214),
    "MENUNGGU_TTD": (66, 146, 198), "SIAP_DIAMBIL": (33, 113, 181), "DISERAHKAN": (116, 196, 118),
    "DIARSIPKAN": (35, 139, 69), "DIBATALKAN": (189, 189, 189),
}
MEAN_COLOUR = (66, 146, 198)
OVER_COLOUR = (215, 48, 39)
STANDARD_COLOUR = (0, 0, 0)
STATE_SHORT = {"DITERIMA": "Diterima", "BERKAS_KURANG": "Kurang", "DIPERIKSA": "Diperiksa",
               "MENUNGGU_TTD": "Tunggu TTD", "SIAP_DIAMBIL": "Siap ambil", "DISERAHKAN": "Diserahkan",
               "DIARSIPKAN": "Diarsipkan", "DIBATALKAN": "Batal"}
STEP_HEADERS = ["Layanan", "Langkah", "Jenis", "Pelaksana", "Jumlah", "Rata-rata (menit)", "P90 (menit)",
                "Standar (menit)", "Lewat standar"]


def _title(report: dict[str, Any]) -> str:
    if report["kind"] == "weekly":
        return f"LAPORAN MINGGUAN PELAYANAN {report['period']}"
    return f"LAPORAN BULANAN PELAYANAN {report['period']}"


def _standard_text(step: dict[str, Any]) -> str:
    if step["until_event_end"]:
        return "s.d. kegiatan berakhir"
    return "-" if step["standard_minutes"] is None else f"{step['standard_minutes']:g}"


# -- CSV -----------------------------------------------------------------------------------------------------


def to_csv(report: dict[str, Any]) -> str:
    """One long table: a row per service and state, per service and step, and (monthly) per service IKM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["periode", "layanan", "kategori", "butir", "jumlah", "rata2_menit", "p90_menit",
                     "standar_menit", "lewat_standar", "nilai"])
    period = report["period"]
    for block in report["services"]:
        for state in ORDER:
            writer.writerow([period, block["code"], "status", state.value, block["counts"].get(state.value, 0),
                             "", "", "", "", ""])
        writer.writerow([period, block["code"], "ringkasan", "dikembalikan_belum_lengkap",
                         block["returned_incomplete"], "", "", "", "", ""])
        writer.writerow([period, block["code"], "ringkasan", "diserahkan", block["handed_over"], "", "", "", "", ""])
        for step in block["steps"]:
            writer.writerow([period, block["code"], "langkah", f"{step['ordinal']}:{step['label']}:{step['kind']}",
                             step["count"], _num(step["mean_minutes"]), _num(step["p90_minutes"]),
                             _standard_text(step), step["overruns"], ""])
        if "skm" in block:
            writer.writerow([period, block["code"], "skm", "ikm", block["skm"]["responden"], "", "", "", "",
                             _num(block["skm"]["ikm"])])
    if "skm" in report:
        overall = report["skm"]["overall"]
        writer.writerow([period, "SEMUA", "skm", "ikm", overall["responden"], "", "", "", "", _num(overall["ikm"])])
    return buffer.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


# -- XLSX ----------------------------------------------------------------------------------------------------


def to_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    bold = Font(bold=True)
    summary = book.active
    summary.title = "Ringkasan"
    summary.append([_title(report)])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([f"{report['from']} s.d. {report['to']}"])
    summary.append([])
    header = ["Kode", "Layanan", "Diterima", *[s.value for s in ORDER], "Dikembalikan (belum lengkap)",
              "Diserahkan", "Lewat standar"]
    summary.append(header)
    for cell in summary[4]:
        cell.font = bold
    for block in report["services"]:
        summary.append([block["code"], block["name"], block["received"],
                        *[block["counts"].get(s.value, 0) for s in ORDER], block["returned_incomplete"],
                        block["handed_over"], block["overruns"]])
    totals = report["totals"]
    summary.append(["", "JUMLAH", totals["received"], *[totals["counts"][s.value] for s in ORDER],
                    totals["returned_incomplete"], totals["handed_over"], totals["overruns"]])
    last = 4 + len(report["services"])
    if report["services"]:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = "Permohonan menurut status"
        data = Reference(summary, min_col=4, max_col=3 + len(ORDER), min_row=4, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(summary, min_col=1, min_row=5, max_row=last))
        chart.height, chart.width = 9, 18
        summary.add_chart(chart, f"A{last + 3}")

    steps = book.create_sheet("Waktu Langkah")
    steps.append(STEP_HEADERS)
    for cell in steps[1]:
        cell.font = bold
    red = PatternFill("solid", fgColor="F4CCCC")
    for block in report["services"]:
        for step in block["steps"]:
            steps.append([block["code"], step["label"], step["kind"], step["actor"], step["count"],
                          step["mean_minutes"], step["p90_minutes"],
                          "s.d. kegiatan berakhir" if step["until_event_end"] else step["standard_minutes"],
                          step["overruns"]])
            if step["overruns"]:
                for cell in steps[steps.max_row]:
                    cell.fill = red
    for column, width in zip("ABCDEFGHI", (12, 8, 16, 34, 9, 16, 12, 16, 13)):
        steps.column_dimensions[column].width = width

    if "skm" in report:
        sheet = book.create_sheet("IKM")
        elements = report["skm"]["elements"]
        sheet.append(["Kode", "Layanan", "Responden", *[e["code"] for e in elements], "IKM", "Mutu", "Kinerja"])
        for cell in sheet[1]:
            cell.font = bold
        for block in report["services"]:
            result = block["skm"]
            sheet.append([block["code"], block["name"], result["responden"], *result["nrr"], result["ikm"],
                          result["mutu"], result["kinerja"]])
        overall = report["skm"]["overall"]
        sheet.append(["SEMUA", "Semua layanan", overall["responden"], *overall["nrr"], overall["ikm"],
                      overall["mutu"], overall["kinerja"]])
        sheet.append([])
        sheet.append([report["skm"]["formula"]])
        for element in elements:
            sheet.append([element["code"], element["name"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- PDF -----------------------------------------------------------------------------------------------------


def _table(pdf: Document, headers: list[str], rows: list[list[str]], widths: list[float], *, size: float = 7.5,
           highlight: list[bool] | None = None, left_columns: int = 2) -> None:
    pdf.font(size, "B")
    pdf.set_fill_color(230, 230, 230)
    for header, width in zip(headers, widths):
        pdf.cell(width, 5, header, border=1, align="C", fill=True)
    pdf.ln()
    pdf.font(size)
    for index, row in enumerate(rows):
        if pdf.get_y() > pdf.h - 22:
            pdf.add_page()
        red = highlight is not None and highlight[index]
        if red:
            pdf.set_fill_color(244, 204, 204)
        for col, (value, width) in enumerate(zip(row, widths)):
            pdf.cell(width, 4.6, value, border=1, align="L" if col < left_columns else "R", fill=red)
        pdf.ln()


def _legend(pdf: Document, items: list[tuple[str, tuple[int, int, int]]], x: float, y: float) -> None:
    pdf.font(6.5)
    for label, colour in items:
        pdf.set_fill_color(*colour)
        pdf.rect(x, y + 0.8, 3, 3, style="F")
        pdf.set_xy(x + 3.8, y)
        width = pdf.get_string_width(label) + 5
        pdf.cell(width, 4.5, label)
        x += width + 4


def _state_chart(pdf: Document, blocks: list[dict[str, Any]]) -> None:
    """Stacked horizontal bars: each service's applications by state."""
    left, label_w = pdf.l_margin, 30
    width = pdf.w - pdf.l_margin - pdf.r_margin - label_w - 12
    biggest = max([b["received"] for b in blocks] + [1])
    pdf.font(9, "B")
    pdf.cell(0, 6, "Grafik 1. Permohonan yang diterima menurut status", new_x="LMARGIN", new_y="NEXT")
    _legend(pdf, [(s.value, STATE_COLOURS[s.value]) for s in ORDER], left, pdf.get_y())
    pdf.ln(6)
    for block in blocks:
        y = pdf.get_y()
        pdf.font(7)
        pdf.set_xy(left, y)
        pdf.cell(label_w, 4.5, block["code"])
        x = left + label_w
        for state in ORDER:
            count = block["counts"].get(state.value, 0)
            if count:
                w = width * count / biggest
                pdf.set_fill_color(*STATE_COLOURS[state.value])
                pdf.rect(x, y + 0.5, w, 3.5, style="F")
                x += w
        pdf.set_xy(x + 1, y)
        pdf.cell(10, 4.5, str(block["received"]))
        pdf.set_y(y + 5)
    pdf.ln(3)


def _step_chart(pdf: Document, block: dict[str, Any]) -> None:
    """One service: per step the mean minutes (red when a run overran), p90 tick and the standard line."""
    steps = [s for s in block["steps"] if s["kind"] != "monitor"]
    left, label_w = pdf.l_margin, 62
    width = pdf.w - pdf.l_margin - pdf.r_margin - label_w - 28
    biggest = max([s["p90_minutes"] or 0 for s in steps] + [s["standard_minutes"] or 0 for s in steps] + [1])
    if pdf.get_y() + 12 + 5.5 * len(steps) > pdf.h - 18:
        pdf.add_page()
    pdf.font(8.5, "B")
    pdf.cell(0, 5.5, f"{block['code']} - {block['name']}: waktu per langkah (menit) terhadap standar",
             new_x="LMARGIN", new_y="NEXT")
    _legend(pdf, [("rata-rata", MEAN_COLOUR), ("rata-rata, ada yang lewat standar", OVER_COLOUR),
                  ("standar", STANDARD_COLOUR)], left, pdf.get_y())
    pdf.ln(5)
    for step in steps:
        y = pdf.get_y()
        pdf.font(6.5)
        pdf.set_xy(left, y)
        pdf.cell(label_w, 4.5, f"{step['label']} {step['kind']} ({step['count']}x)")
        x0 = left + label_w
        pdf.set_draw_color(200, 200, 200)
        pdf.line(x0, y + 4.6, x0 + width, y + 4.6)
        if step["mean_minutes"] is not None:
            pdf.set_fill_color(*(OVER_COLOUR if step["overruns"] else MEAN_COLOUR))
            pdf.rect(x0, y + 0.6, max(0.4, width * step["mean_minutes"] / biggest), 3.4, style="F")
        if step["p90_minutes"] is not None:
            px = x0 + width * step["p90_minutes"] / biggest
            pdf.set_draw_color(90, 90, 90)
            pdf.line(px, y + 0.2, px, y + 4.4)
        if step["standard_minutes"] is not None:
            sx = x0 + width * step["standard_minutes"] / biggest
            pdf.set_draw_color(*STANDARD_COLOUR)
            pdf.set_line_width(0.6)
            pdf.line(sx, y, sx, y + 4.6)
            pdf.set_line_width(0.2)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_xy(x0 + width + 1, y)
        mean = "-" if step["mean_minutes"] is None else f"{step['mean_minutes']:.1f}"
        pdf.cell(27, 4.5, f"{mean} / {_standard_text(step)}")
        pdf.set_y(y + 5.2)
    pdf.ln(2)


def _ikm_chart(pdf: Document, report: dict[str, Any]) -> None:
    rows = [(b["code"], b["skm"]) for b in report["services"]] + [("SEMUA", report["skm"]["overall"])]
    left, label_w = pdf.l_margin, 30
    width = pdf.w - pdf.l_margin - pdf.r_margin - label_w - 40
    if pdf.get_y() + 14 + 5.5 * len(rows) > pdf.h - 18:
        pdf.add_page()
    pdf.font(9, "B")
    pdf.cell(0, 6, "Grafik IKM per layanan (skala 25-100; garis: batas mutu A, B, C)", new_x="LMARGIN",
             new_y="NEXT")
    top = pdf.get_y()
    for code, result in rows:
        y = pdf.get_y()
        pdf.font(7)
        pdf.set_xy(left, y)
        pdf.cell(label_w, 4.5, code)
        if result["ikm"] is not None:
            pdf.set_fill_color(*MEAN_COLOUR)
            pdf.rect(left + label_w, y + 0.6, width * (result["ikm"] - 25) / 75, 3.4, style="F")
            pdf.set_xy(left + label_w + width + 1, y)
            pdf.cell(38, 4.5, f"{result['ikm']:.2f} ({result['mutu']}, {result['kinerja']})")
        else:
            pdf.set_xy(left + label_w + 1, y)
            pdf.cell(38, 4.5, "belum ada responden")
        pdf.set_y(y + 5.2)
    for bound in (65.0, 76.61, 88.31):
        x = left + label_w + width * (bound - 25) / 75
        pdf.set_draw_color(215, 48, 39)
        pdf.line(x, top, x, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(3)


def to_pdf(report: dict[str, Any], office: Office) -> bytes:
    pdf = Document(_title(report), orientation="landscape")
    letterhead(pdf, office, compact=True)
    pdf.font(12, "B")
    pdf.cell(0, 6, _title(report), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)
    pdf.cell(0, 5, f"Periode {indo.tanggal(report['from'])} s.d. {indo.tanggal(report['to'])} (WIB)", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    blocks = report["services"]
    headers = ["Layanan", "Nama", "Masuk", *[STATE_SHORT[s.value] for s in ORDER], "Kembali", "Serah",
               "Lewat"]
    widths = [20, 62, 14, *[17] * len(ORDER), 13, 12, 12]
    rows = [[b["code"], b["name"][:40], str(b["received"]), *[str(b["counts"].get(s.value, 0)) for s in ORDER],
             str(b["returned_incomplete"]), str(b["handed_over"]), str(b["overruns"])] for b in blocks]
    totals = report["totals"]
    rows.append(["JUMLAH", "", str(totals["received"]), *[str(totals["counts"][s.value]) for s in ORDER],
                 str(totals["returned_incomplete"]), str(totals["handed_over"]), str(totals["overruns"])])
    _table(pdf, headers, rows, widths, size=6.5)
    pdf.ln(4)
    _state_chart(pdf, blocks)
    if report["kind"] == "monthly":
        _ikm_chart(pdf, report)
    pdf.add_page()
    pdf.font(10, "B")
    pdf.cell(0, 6, "Waktu per langkah SOP terhadap standar (Mutu Baku Waktu)", new_x="LMARGIN", new_y="NEXT")
    for block in blocks:
        _step_chart(pdf, block)
    pdf.add_page()
    step_rows, flags = [], []
    for block in blocks:
        for step in block["steps"]:
            step_rows.append([block["code"], step["label"], step["kind"], step["actor"][:34], str(step["count"]),
                              "-" if step["mean_minutes"] is None else f"{step['mean_minutes']:.2f}",
                              "-" if step["p90_minutes"] is None else f"{step['p90_minutes']:.2f}",
                              _standard_text(step), str(step["overruns"])])
            flags.append(step["overruns"] > 0)
    _table(pdf, STEP_HEADERS, step_rows, [20, 14, 26, 62, 16, 28, 22, 32, 20], size=7, highlight=flags,
           left_columns=4)
    if report["kind"] == "monthly":
        pdf.ln(4)
        elements = report["skm"]["elements"]
        pdf.font(9, "B")
        pdf.cell(0, 6, f"Indeks Kepuasan Masyarakat (Permenpan RB 14/2017): {report['skm']['formula']}",
                 new_x="LMARGIN", new_y="NEXT")
        ikm_rows = [[b["code"], str(b["skm"]["responden"]), *[f"{x:.2f}" for x in b["skm"]["nrr"]],
                     "-" if b["skm"]["ikm"] is None else f"{b['skm']['ikm']:.2f}", b["skm"]["mutu"] or "-"]
                    for b in blocks]
        overall = report["skm"]["overall"]
        ikm_rows.append(["SEMUA", str(overall["responden"]), *[f"{x:.2f}" for x in overall["nrr"]],
                         "-" if overall["ikm"] is None else f"{overall['ikm']:.2f}", overall["mutu"] or "-"])
        _table(pdf, ["Layanan", "Resp.", *[e["code"] for e in elements], "IKM", "Mutu"], ikm_rows,
               [22, 14, *[16] * len(elements), 16, 12], size=7)
        pdf.font(6.5)
        pdf.multi_cell(0, 3.6, "; ".join(f"{e['code']} {e['name']}" for e in elements), new_x="LMARGIN",
                       new_y="NEXT")
    return pdf.bytes()
