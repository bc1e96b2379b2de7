"""``GET /data/kpis``: the morning overview's numbers for your meters.

The numbers come from :func:`luna.services.kpis.compute_kpis`, which the overview page calls
too; this route checks which meters the caller may see and picks the zone and the moment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from luna.api.deps import SessionDep, SessionUser, SettingsDep, StoresDep
from luna.api.routes.data import require_meter, utc_param
from luna.config import ZONE_PATTERN
from luna.core.time_bounds import BoundedDatetime
from luna.services.kpis import KpisOut, compute_kpis
from luna.services.meters import visible_meter_ids

router = APIRouter(prefix="/data", tags=["data"])


@router.get("/kpis", response_model=KpisOut)
def get_kpis(
    session: SessionDep,
    stores: StoresDep,
    settings: SettingsDep,
    user: SessionUser,
    meter_id: Annotated[
        list[str] | None, Query(description="Repeatable; omitted = all meters you may see")
    ] = None,
    zone: Annotated[
        str | None, Query(pattern=ZONE_PATTERN, description="Default: the site's LUNA_PRICE_ZONE")
    ] = None,
    at: Annotated[
        BoundedDatetime | None, Query(description="Evaluate as of this moment (default: now)")
    ] = None,
) -> KpisOut:
    """Today so far vs yesterday, last week and month to date; prices of the next hours."""
    if meter_id:
        ids = [require_meter(session, user, m).meter_id for m in dict.fromkeys(meter_id)]
    else:
        ids = visible_meter_ids(session, user)
    moment = utc_param(at, settings.timezone, "query.at") if at is not None else None
    return compute_kpis(session, settings, stores.timescale, ids, zone, moment)
