"""Web pages call services, never the JSON API's route handlers: ``luna.web`` imports no
module of ``luna.api.routes``."""

from __future__ import annotations

import luna.web
from tests.boundaries import imported_modules, within


def test_no_web_module_imports_an_api_route_module():
    offenders = [
        f"{module}: {name}"
        for module, names in imported_modules(luna.web).items()
        for name in sorted(names)
        if within(name, "luna.api.routes")
    ]
    assert offenders == []
