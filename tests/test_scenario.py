"""Scenario files for the simulators' scripted faults."""

from __future__ import annotations

import pytest

from simulators.scenario import Scenario, ScenarioError


def test_faults_match_operation_part_and_attempt(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[faults]]\nkind = "no_finger"\noperation = "capture"\npart = "L_INDEX"\nattempt = 2\n'
        '[[faults]]\nkind = "slow"\noperation = "upload"\nseconds = 2.5\n'
    )
    scenario = Scenario.load(path)
    assert scenario.fault_for("capture", "L_INDEX") is None
    assert scenario.fault_for("capture", "R_INDEX") is None
    fault = scenario.fault_for("capture", "L_INDEX")
    assert fault.kind == "no_finger"
    assert scenario.fault_for("capture", "L_INDEX") is None
    slow = scenario.fault_for("upload")
    assert slow.kind == "slow" and slow.param("seconds") == 2.5
    assert scenario.fault_for("upload").kind == "slow"  # no attempt given: every time


def test_json_form_and_healthy_default(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"device": "sbi", "faults": [{"kind": "error_code", "code": "105", "attempt": [1, 3]}]}')
    scenario = Scenario.load(path)
    assert scenario.device == "sbi"
    kinds = [getattr(scenario.fault_for("capture"), "kind", None) for _ in range(3)]
    assert kinds == ["error_code", None, "error_code"]
    assert Scenario.healthy().fault_for("capture") is None


@pytest.mark.parametrize("text, message", [
    ('[[faults]]\nkind = "meteor"\n', "tidak dikenal"),
    ('[[faults]]\nkind = "slow"\nattempt = 0\n', "attempt"),
    ('colour = "red"\n', "kunci tidak dikenal"),
    ("[[faults]\n", "tidak valid"),
])
def test_broken_scenarios_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message) as err:
        Scenario.load(path)
    assert "\n" not in str(err.value)
