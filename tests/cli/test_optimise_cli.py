"""``luna optimise --emhass-config``: text and JSON output, and exit 2 on what does not map."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from luna.cli.main import app

runner = CliRunner()
CONFIG = Path(__file__).resolve().parents[1] / "optimisation" / "data" / "emhass_config.json"


def _data(tmp_path: Path) -> Path:
    rows = ["timestamp,load_w,pv_w"]
    for t in range(48):
        stamp = "2025-06-02T00:00:00+02:00" if t == 0 else ""
        pv = 4000 if 16 <= t < 36 else 0
        rows.append(f"{stamp},{900 if 34 <= t < 44 else 400},{pv}")
    path = tmp_path / "day.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_prints_summary_and_cost(tmp_path: Path) -> None:
    done = runner.invoke(
        app, ["optimise", "--emhass-config", str(CONFIG), "--data", str(_data(tmp_path)), "-v"]
    )
    assert done.exit_code == 0, done.output
    assert "48 steps of 30 min from 2025-06-02 00:00" in done.output
    assert "Cost " in done.output
    assert "baseline" in done.output
    assert "ignored (no effect on the optimum):" in done.output
    assert "hass_url" in done.output
    assert "deferrable0: 12.00 kWh" in done.output


def test_json_output(tmp_path: Path) -> None:
    done = runner.invoke(
        app,
        ["optimise", "--emhass-config", str(CONFIG), "--data", str(_data(tmp_path)), "--json"],
    )
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["mapping"]["steps"] == 48
    assert payload["mapping"]["rules"][0]["kind"] == "no_battery_export"
    assert len(payload["result"]["steps"]) == 48
    assert isinstance(payload["result"]["total_cost_eur"], float)


def test_unmappable_parameters_exit_2(tmp_path: Path) -> None:
    config = json.loads(CONFIG.read_text()) | {
        "inverter_is_hybrid": True,
        "capacity_cost_per_kw": 5,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = runner.invoke(
        app, ["optimise", "--emhass-config", str(path), "--data", str(_data(tmp_path))]
    )
    assert done.exit_code == 2
    assert "2 EMHASS parameter(s) cannot be mapped" in done.output
    assert "inverter_is_hybrid" in done.output
    assert "capacity_cost_per_kw" in done.output
