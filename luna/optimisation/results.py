"""What the optimiser answers: the schedule, its money, and why it looks the way it does.

Energies are kWh per step, money is EUR, timestamps are aware local datetimes. Binding
constraints are phrased for people (and for the playbooks that quote them), each with the key of
the constraint it comes from and, where it could be measured, what relaxing it would save.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from luna.optimisation.inputs import Objective

BindingKind = Literal[
    "soc_min",
    "soc_max",
    "final_soc",
    "grid_import_limit",
    "grid_export_limit",
    "charge_power",
    "discharge_power",
    "load_window",
    "grid_charging",
    "battery_export",
    "cycle_limit",
]


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


class ScheduleStep(_Output):
    start: datetime
    end: datetime
    import_price_eur_kwh: float
    export_price_eur_kwh: float
    load_kwh: float
    pv_kwh: float
    pv_curtailed_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    battery_charge_kwh: float
    battery_discharge_kwh: float
    soc_kwh: float | None = Field(description="State of charge at the end of the step.")
    soc_pct: float | None
    deferrable_kwh: dict[str, float]
    cost_eur: float = Field(description="Import cost minus export revenue in this step.")


class BindingConstraint(_Output):
    """A constraint that shapes the schedule, in words."""

    kind: BindingKind
    subject: str = Field(description="'battery', 'grid' or the deferrable load's name.")
    source: str = Field(description="Key of the constraint: 'rules[2]', 'grid.max_import_kw', …")
    start: datetime
    end: datetime
    message: str
    relax_saving_eur: float | None = Field(
        default=None, description="What the schedule would save without this constraint."
    )


class DeferrableOutcome(_Output):
    name: str
    energy_kwh: float
    window_start: datetime
    window_end: datetime
    first_run: datetime | None
    last_run_end: datetime | None
    energy_cost_eur: float = Field(description="Delivered energy priced at the import price.")


class ScheduleResult(_Output):
    status: Literal["optimal", "time_limit"]
    objective: Objective
    objective_value: float = Field(
        description="cost: total cost EUR; profit: minus the total cost; self_consumption: "
        "grid import kWh."
    )
    total_cost_eur: float = Field(description="Energy cost plus battery wear cost.")
    energy_cost_eur: float
    battery_wear_cost_eur: float
    baseline_cost_eur: float
    baseline_policy: str
    savings_eur: float
    savings_pct: float | None = Field(description="Of the baseline cost; empty if that is ~0.")
    grid_import_kwh: float
    grid_export_kwh: float
    pv_curtailed_kwh: float
    pv_self_consumed_kwh: float
    solver: str
    solve_time_ms: float = Field(description="Time inside HiGHS, all solves for the schedule.")
    total_time_ms: float = Field(description="Wall time of optimise(), explanations included.")
    solves: int
    binaries: int = Field(description="Binary variables in the final model (0: pure LP).")
    binding_constraints: list[BindingConstraint]
    deferrable_loads: list[DeferrableOutcome]
    steps: list[ScheduleStep]

    def to_frame(self) -> pd.DataFrame:
        """The per-step schedule as a DataFrame indexed by step start."""
        rows = []
        for step in self.steps:
            row = step.model_dump(exclude={"deferrable_kwh"})
            row.update({f"{name}_kwh": kwh for name, kwh in step.deferrable_kwh.items()})
            rows.append(row)
        return pd.DataFrame(rows).set_index("start")

    def summary(self) -> str:
        """A few lines of plain text: savings first, then the binding constraints."""
        pct = f" ({self.savings_pct:.1f} %)" if self.savings_pct is not None else ""
        lines = [
            f"Cost {self.total_cost_eur:.2f} EUR against {self.baseline_cost_eur:.2f} EUR "
            f"for the baseline ({self.baseline_policy}): saves {self.savings_eur:.2f} EUR{pct}."
        ]
        lines += [f"- {b.message}" for b in self.binding_constraints]
        return "\n".join(lines)
