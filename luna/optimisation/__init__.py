"""Day-ahead schedule optimiser: a deterministic LP/MILP engine solved with HiGHS.

Give :func:`optimise` an :class:`OptimisationInput` (forecasts, prices, battery, deferrable
loads, operator rules) and get a :class:`ScheduleResult` with the per-step schedule, the cost
against a naive baseline and the binding constraints in words. The model is documented in
``docs/optimiser.md``.
"""

from luna.optimisation.feasibility import OptimisationInfeasible
from luna.optimisation.horizon import StepGrid, local_midnight, steps_in_local_day
from luna.optimisation.inputs import (
    Battery,
    DeferrableLoad,
    GridConnection,
    Objective,
    OptimisationInput,
)
from luna.optimisation.optimiser import optimise
from luna.optimisation.results import (
    BindingConstraint,
    DeferrableOutcome,
    ScheduleResult,
    ScheduleStep,
)
from luna.optimisation.rules import Rule, load_rules, parse_rules

__all__ = [
    "Battery",
    "BindingConstraint",
    "DeferrableLoad",
    "DeferrableOutcome",
    "GridConnection",
    "Objective",
    "OptimisationInfeasible",
    "OptimisationInput",
    "Rule",
    "ScheduleResult",
    "ScheduleStep",
    "StepGrid",
    "load_rules",
    "local_midnight",
    "optimise",
    "parse_rules",
    "steps_in_local_day",
]
