"""Why a playbook cannot be made: bad request data, or a meter the user may not see."""

from __future__ import annotations


class PlaybookError(ValueError):
    """The playbook cannot be generated (unknown meter, no data, infeasible plan), in words."""


class MeterNotVisibleError(PlaybookError):
    """The user may not see this meter; shown to them as if it did not exist."""
