"""Survei Kepuasan Masyarakat (Permenpan RB 14/2017): the nine-element questionnaire and the IKM.

Answers are anonymous: a response row holds the service, the month and nine scores, nothing that leads back to
an applicant (no application id, no NIK, no timestamp, a random key). At hand-over the applicant gets a one-time
token (stored only as a hash, also without the application) that lets a kiosk or tablet submit one response.

IKM (Permenpan RB 14/2017): NRR_i = total score of element i / respondents; IKM = 25 × Σ NRR_i × 1/9, with the
weight exactly 1/9 (tools that use 0.111 bias the index low). Computed with exact fractions and rounded half up
to two decimals; the grade bands (mutu A..D) apply to the rounded index.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ektp_station.register.errors import InvalidInput
from ektp_station.register.models import SkmResponse, SkmToken

ELEMENTS = 9
#: (lowest IKM, mutu, kinerja), highest band first (Permenpan RB 14/2017 table).
GRADE_BANDS = ((Decimal("88.31"), "A", "Sangat Baik"), (Decimal("76.61"), "B", "Baik"),
               (Decimal("65.00"), "C", "Kurang Baik"), (Decimal("25.00"), "D", "Tidak Baik"))
_SCORES = [f"u{i}" for i in range(1, ELEMENTS + 1)]


@dataclass(frozen=True)
class SkmElement:
    code: str
    name: str
    question: str
    answers: tuple[str, ...]


def parse_skm_elements(doc: dict[str, Any]) -> tuple[SkmElement, ...]:
    items = doc.get("elements")
    if set(doc) != {"elements"} or not isinstance(items, list) or len(items) != ELEMENTS:
        raise ValueError(f"harus berisi tepat {ELEMENTS} [[elements]]")
    result = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != {"code", "name", "question", "answers"}:
            raise ValueError(f"unsur ke-{position}: harus berisi code, name, question, answers")
        if item["code"] != f"U{position}":
            raise ValueError(f"unsur ke-{position}: code harus U{position}")
        answers = item["answers"]
        if not isinstance(answers, list) or len(answers) != 4 or not all(isinstance(a, str) for a in answers):
            raise ValueError(f"unsur ke-{position}: answers harus 4 teks (nilai 1 sampai 4)")
        result.append(SkmElement(item["code"], item["name"], item["question"], tuple(answers)))
    return tuple(result)


def parse_answers(value: str | Sequence[Any]) -> tuple[int, ...]:
    """Nine scores 1..4 from ``"4,4,3,4,4,4,4,3,4"`` or a list; anything else is an input error."""
    items = value.replace(" ", "").split(",") if isinstance(value, str) else list(value)
    if len(items) != ELEMENTS:
        raise InvalidInput(f"Jawaban SKM harus {ELEMENTS} nilai (unsur U1 sampai U9), bukan {len(items)}.")
    scores = []
    for position, item in enumerate(items, start=1):
        try:
            score = int(item) if not isinstance(item, bool) else -1
        except (TypeError, ValueError):
            score = -1
        if score not in (1, 2, 3, 4):
            raise InvalidInput(f"Jawaban SKM unsur U{position} harus 1, 2, 3 atau 4, bukan {item!r}.")
        scores.append(score)
    return tuple(scores)


def _round2(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def grade(ikm: Decimal) -> tuple[str, str]:
    for lowest, mutu, kinerja in GRADE_BANDS:
        if ikm >= lowest:
            return mutu, kinerja
    return "D", "Tidak Baik"


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: tuple[Fraction, ...]
    ikm: Decimal | None
    mutu: str | None
    kinerja: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "responden": self.respondents,
            "nrr": [round(float(x), 3) for x in self.nrr],
            "nrr_tertimbang": [round(float(x / ELEMENTS), 3) for x in self.nrr],
            "ikm": float(self.ikm) if self.ikm is not None else None,
            "mutu": self.mutu,
            "kinerja": self.kinerja,
        }


def ikm_from_totals(respondents: int, totals: Sequence[int]) -> IkmResult:
    """IKM from the number of respondents and the score total of each element."""
    if len(totals) != ELEMENTS:
        raise ValueError(f"jumlah nilai harus {ELEMENTS} unsur")
    if respondents == 0:
        return IkmResult(0, tuple(Fraction(0) for _ in range(ELEMENTS)), None, None, None)
    if any(not respondents <= int(total) <= 4 * respondents for total in totals):
        raise ValueError("jumlah nilai unsur di luar 1..4 per responden")
    nrr = tuple(Fraction(int(total), respondents) for total in totals)
    value = _round2(25 * sum(nrr, Fraction(0)) * Fraction(1, ELEMENTS))
    mutu, kinerja = grade(value)
    return IkmResult(respondents, nrr, value, mutu, kinerja)


def ikm_from_nrr(nrr: Iterable[Fraction | Decimal | float | str]) -> Decimal:
    """IKM from the nine NRR values (for checks against published worked examples)."""
    values = [Fraction(str(x)) for x in nrr]
    if len(values) != ELEMENTS:
        raise ValueError("NRR harus sembilan nilai")
    return _round2(25 * sum(values, Fraction(0)) * Fraction(1, ELEMENTS))


def ikm_from_responses(responses: Iterable[Sequence[int]]) -> IkmResult:
    rows = [parse_answers(list(r)) for r in responses]
    totals = [sum(row[i] for row in rows) for i in range(ELEMENTS)]
    return ikm_from_totals(len(rows), totals)


# -- storage -------------------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, service: str, period: str) -> str:
    token = secrets.token_urlsafe(12)
    session.add(SkmToken(token_hash=_hash(token), service=service, period=period, used=False))
    return token


def redeem_token(session: Session, token: str) -> tuple[str, str]:
    """(service, period) of an unused token, now marked used; an unknown or used token is an input error."""
    digest = _hash((token or "").strip())
    row = session.get(SkmToken, digest)
    if row is None:
        raise InvalidInput("Token SKM tidak dikenal.")
    done = session.execute(update(SkmToken).where(SkmToken.token_hash == digest, SkmToken.used.is_(False))
                           .values(used=True)).rowcount
    if done != 1:
        raise InvalidInput("Token SKM sudah dipakai: satu tanda terima, satu survei.")
    return row.service, row.period


def record_response(session: Session, service: str, period: str, answers: Sequence[int]) -> None:
    scores = parse_answers(list(answers))
    session.add(SkmResponse(id=secrets.token_hex(16), service=service, period=period,
                            **{name: score for name, score in zip(_SCORES, scores)}))


def ikm_by_service(session: Session, period: str) -> dict[str, IkmResult]:
    """IKM per service for one month (``YYYY-MM``), and ``"SEMUA"`` for all services together."""
    columns = [func.sum(getattr(SkmResponse, name)) for name in _SCORES]
    rows = session.execute(
        select(SkmResponse.service, func.count(), *columns).where(SkmResponse.period == period)
        .group_by(SkmResponse.service)
    ).all()
    result: dict[str, IkmResult] = {}
    grand = [0] * ELEMENTS
    respondents = 0
    for service, count, *totals in rows:
        result[service] = ikm_from_totals(count, totals)
        respondents += count
        grand = [a + int(b) for a, b in zip(grand, totals)]
    result["SEMUA"] = ikm_from_totals(respondents, grand)
    return result
