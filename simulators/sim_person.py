"""The synthetic person standing in front of a wire-level simulator (SBI, STU, MJPEG camera).

Real drivers cannot tell a device who the applicant is (they are not ``SubjectAware``), so a simulator behind a
real wire picks its person itself: ``DEFAULT_SUBJECT`` unless the scenario's ``[applicant]`` table
(``simulators.scenario``) names one with ``seed``, ``sex`` ("L"/"P"), ``birth_year``, ``missing`` (finger
names) and ``missing_eyes`` ("L"/"R")::

    [applicant]
    seed = 7
    sex = "P"
    birth_year = 1991
    missing = ["R_LITTLE"]

The same person presents the same fingers on every capture (a new impression each time), so the station's
index-finger verification against the prints it has just captured succeeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drivers.interfaces import Eye, Finger, Subject
from simulators.scenario import Scenario, ScenarioError

#: The same default person as the in-process simulators.
DEFAULT_SUBJECT = Subject(seed=1, sex="L", birth_year=1990)


_APPLICANT_KEYS = {"seed", "sex", "birth_year", "missing", "missing_eyes"}


def subject_of(scenario: Scenario, source: str = "<scenario>") -> Subject:
    """The person of a scenario's ``[applicant]`` table (other keys there belong to other simulators)."""
    data = {k: v for k, v in scenario.applicant.items() if k in _APPLICANT_KEYS}
    try:
        seed = data.get("seed", DEFAULT_SUBJECT.seed)
        year = data.get("birth_year", DEFAULT_SUBJECT.birth_year)
        if not isinstance(seed, int) or not isinstance(year, int) or isinstance(seed, bool):
            raise ValueError
        sex = str(data.get("sex", DEFAULT_SUBJECT.sex)).upper()
        if sex not in ("L", "P"):
            raise ValueError
        missing = data.get("missing", [])
        missing = missing.split(",") if isinstance(missing, str) else missing
        fingers = frozenset(Finger[str(f).strip().upper()] for f in missing if str(f).strip())
        eyes = frozenset(Eye(str(e).upper()) for e in data.get("missing_eyes", []))
    except (KeyError, ValueError, TypeError):
        raise ScenarioError(f"{source}: nilai applicant tidak valid") from None
    return Subject(seed=seed, sex=sex, birth_year=year, missing_fingers=fingers, missing_eyes=eyes)


def load(path: str | Path | None) -> tuple[Scenario, Subject]:
    """The scenario and the person of a scenario file (TOML or JSON); healthy and default without one."""
    if path is None:
        return Scenario.healthy(), DEFAULT_SUBJECT
    scenario = Scenario.load(path)
    return scenario, subject_of(scenario, str(path))


def as_scenario(value: Any) -> Scenario:
    """Accept what a test hands a simulator control: a Scenario, a dict, a list of fault dicts, or a path."""
    if value is None:
        return Scenario.healthy()
    if isinstance(value, Scenario):
        return value
    if isinstance(value, (str, Path)):
        return load(value)[0]
    if isinstance(value, list):
        return Scenario.from_dict({"faults": value})
    if isinstance(value, dict):
        if "kind" in value:
            return Scenario.from_dict({"faults": [value]})
        return Scenario.from_dict(value)
    raise ScenarioError(f"skenario tidak dikenal: {type(value).__name__}")
