"""One check for every string a request brings in: no control characters, no lone surrogates.

PostgreSQL refuses NUL in text (a 500 wherever such a string reaches a query, even a login
name), lone surrogates cannot be encoded as UTF-8, and other control characters in names, ids
and search terms are never meant. :func:`reject_unsafe_strings` is an app-wide dependency, so
it runs for every route before the route's own dependencies (authentication included) and
checks query and path parameters, JSON bodies (keys and values, at any depth) and form fields
(with the file name and Content-Type of each uploaded part). Tab, CR and LF are allowed in
body values, which carry free text (chat messages, prompt templates); nowhere else.

The body is the one FastAPI has already read and parsed for the route (Starlette keeps it on
the request), so nothing is read twice. A problem is a 422 naming the field like any other
validation error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

Loc = tuple[str | int, ...]

# C0 controls, DEL and UTF-16 surrogates (only lone ones reach a Python str).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# The same, but tab, LF and CR are allowed: free text.
_UNSAFE_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _problem(loc: Loc, value: str, pattern: re.Pattern[str]) -> dict[str, Any] | None:
    found = pattern.search(value)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "the control character"
    return {
        "loc": loc,
        "msg": f"contains {kind} U+{code:04X}, which is not allowed here",
        "type": "control_character",
        "input": None,  # not echoed: it is the unprintable value
    }


def _json_problems(value: Any, loc: Loc) -> Iterator[dict[str, Any]]:
    if isinstance(value, str):
        if problem := _problem(loc, value, _UNSAFE_IN_TEXT):
            yield problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := _problem((*loc, key), key, _UNSAFE):
                yield problem
            yield from _json_problems(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_problems(item, (*loc, index))


def _form_problems(form: FormData) -> Iterator[dict[str, Any]]:
    for name, value in form.multi_items():
        if problem := _problem(("body", name), name, _UNSAFE):
            yield problem
        if isinstance(value, UploadFile):
            for text in (value.filename or "", value.content_type or ""):
                if problem := _problem(("body", name), text, _UNSAFE):
                    yield problem
        elif problem := _problem(("body", name), value, _UNSAFE_IN_TEXT):
            yield problem


async def _body_problems(request: Request) -> list[dict[str, Any]]:
    route = request.scope.get("route")
    body_field = route.body_field if isinstance(route, APIRoute) else None
    if body_field is None:  # the route takes no body: FastAPI did not read one, nor do we
        return []
    if isinstance(body_field.field_info, params.Form):
        return list(_form_problems(await request.form()))  # parsed already: Starlette's cache
    try:
        body = await request.json()  # likewise parsed already, unless it was not JSON
    except ValueError:
        return []
    return list(_json_problems(body, ("body",)))


async def reject_unsafe_strings(request: Request) -> None:
    """422 listing every parameter or body field that holds a control character."""
    problems: list[dict[str, Any]] = []
    for name, value in request.query_params.multi_items():
        for text in (name, value):
            if problem := _problem(("query", name), text, _UNSAFE):
                problems.append(problem)
    for name, value in request.path_params.items():
        if isinstance(value, str) and (problem := _problem(("path", name), value, _UNSAFE)):
            problems.append(problem)
    problems.extend(await _body_problems(request))
    if problems:
        raise RequestValidationError(problems)
