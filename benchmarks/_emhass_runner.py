"""EMHASS side of ``bench_optimiser_vs_emhass.py``; runs inside ``benchmarks/.emhass-venv``.

It never imports Luna: the benchmark maps each scenario to EMHASS's own configuration keys
(``config_defaults.json`` names) and arrays, sends them as JSON on stdin, and reads back (from
the file named as the only argument) per scenario the schedule (W per step), the solver status
and the times of a cold and of repeated warm ``Optimization.perform_optimization`` calls on the
same object (EMHASS keeps its CVXPY problem between calls, which is its warm start).
"""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

import numpy as np
import pandas as pd
from emhass import utils
from emhass.optimization import Optimization

DATA = pathlib.Path(utils.__file__).parent / "data"


def _optimiser(scenario: dict[str, Any], logger: logging.Logger, tmp: pathlib.Path) -> Any:
    config = json.loads((DATA / "config_defaults.json").read_text()) | scenario["config"]
    emhass_conf = {
        "associations_path": DATA / "associations.csv",
        "defaults_path": DATA / "config_defaults.json",
        "data_path": tmp,
        "root_path": tmp,
    }
    params = asyncio.run(utils.build_params(emhass_conf, {}, config, logger))
    retrieve, optim, plant = utils.get_yaml_parse(params, logger)
    return Optimization(
        retrieve,
        optim,
        plant,
        "unit_load_cost",
        "unit_prod_price",
        config["costfun"],
        emhass_conf,
        logger,
        num_timesteps=len(scenario["load_w"]),
    )


def run_one(scenario: dict[str, Any], repeats: int, logger: logging.Logger) -> dict[str, Any]:
    n = len(scenario["load_w"])
    index = pd.date_range(
        pd.Timestamp(scenario["start_utc"]), periods=n, freq=f"{scenario['step_minutes']}min"
    ).tz_convert(scenario["timezone"])
    data = pd.DataFrame(
        {
            "unit_load_cost": scenario["import_price"],
            "unit_prod_price": scenario["export_price"],
        },
        index=index,
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        opt = _optimiser(scenario, logger, pathlib.Path(tmp))
        setup_s = time.perf_counter() - started

        def call() -> tuple[float, pd.DataFrame]:
            began = time.perf_counter()
            result = opt.perform_optimization(
                data,
                np.asarray(scenario["pv_w"], dtype=float),
                np.asarray(scenario["load_w"], dtype=float),
                data["unit_load_cost"].to_numpy(),
                data["unit_prod_price"].to_numpy(),
                soc_init=scenario.get("soc_init"),
                soc_final=scenario.get("soc_final"),
                **scenario.get("runtime", {}),
            )
            return time.perf_counter() - began, result

        cold_s, result = call()
        warm = [call()[0] for _ in range(repeats)]
    columns = {
        name: [float(v) for v in result[name].to_numpy()]
        for name in result.columns
        if name.startswith(("P_", "SOC_"))
    }
    status = str(result["optim_status"].iloc[0]) if "optim_status" in result else "?"
    return {
        "status": status,
        "setup_s": setup_s,
        "cold_s": cold_s,
        "warm_s": statistics.median(warm) if warm else cold_s,
        "columns": columns,
    }


def main() -> None:
    request = json.load(sys.stdin)
    logger = logging.getLogger("emhass-bench")
    logger.addHandler(logging.NullHandler())
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    out = []
    for scenario in request["scenarios"]:
        try:
            out.append(run_one(scenario, request["repeats"], logger))
        except Exception as err:  # report, keep going with the other scenarios
            out.append({"status": f"error: {type(err).__name__}: {err}"[:300]})
    # HiGHS prints a banner on stdout, so the answer goes to the file named on the command line.
    pathlib.Path(sys.argv[1]).write_text(json.dumps({"version": _version(), "results": out}))


def _version() -> str:
    from importlib.metadata import version

    return version("emhass")


if __name__ == "__main__":
    main()
