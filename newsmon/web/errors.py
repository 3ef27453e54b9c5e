"""Error answers: plain words on pages, declared JSON shapes under /api/, `Allow` on 405."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsmon.web.edges import SECURITY_HEADERS, allow_with_head, jsonable_errors
from newsmon.web.present import xml_safe

TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    500: "Server error",
    503: "Unavailable",
}
SERVER_ERROR = "Something went wrong on our side answering this; it has been logged."
_ASK = {  # what each page parameter should look like, said to a person
    "page": "The page number must be a whole number from 1 to 10000, like ?page=2.",
    "article_id": "“{input}” is not an article number: article pages look like /articles/42.",
    "a": "Versions are numbered 0, 1, 2 and so on: “{input}” is not a version number.",
    "b": "Versions are numbered 0, 1, 2 and so on: “{input}” is not a version number.",
    "number": "Versions are numbered 0, 1, 2 and so on: “{input}” is not a version number.",
    "tz": "Times can be shown in a zone named like Europe/Paris, or UTC.",
    "q": "Type an article's address, or a few words from its headline, to search.",
    "status": "Articles can be shown as active, frozen or gone (or all).",
    "sort": "Articles can be sorted by recent or most-changed.",
    "mode": "A diff can be shown side by side (mode=side), inline (mode=inline), "
    "or as fits the screen (mode=auto).",
}


class ErrorOut(BaseModel):
    """What every /api/ error other than a 422 carries."""

    detail: str


class ProblemOut(BaseModel):
    """One problem with a request parameter."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationOut(BaseModel):
    """What a 422 from /api/ carries: one entry per bad parameter."""

    detail: list[ProblemOut]


def declared(not_found: str | None = None) -> dict[int | str, dict[str, Any]]:
    """The error answers one API route can send, for its OpenAPI entry: 422, and 404 if any."""
    out: dict[int | str, dict[str, Any]] = {
        422: {"model": ValidationOut, "description": "A parameter is malformed or out of range"}
    }
    if not_found:
        out[404] = {"model": ErrorOut, "description": not_found}
    return out


def plain_problem(error: Mapping[str, Any]) -> str:
    """One validation error as a sentence for a person (never the validator's wording)."""
    loc = error.get("loc") or ()
    name = str(loc[-1]) if loc else ""
    shown = str(error.get("input", ""))[:80]
    if error.get("type") == "missing" or (name == "q" and not shown.strip()):
        shown = ""
    template = _ASK.get(name, "“{input}” is not a value {name} can take.")
    if not shown and "{input}" in template:
        return f"Please give a value for {name}."
    return template.format(input=shown, name=name)


def plain_problems(errors: Sequence[Mapping[str, Any]]) -> str:
    sentences = dict.fromkeys(plain_problem(e) for e in errors)  # once each, in order
    return " ".join(sentences) or "The request could not be understood."


def error_response(
    request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> HTMLResponse | JSONResponse:
    detail = xml_safe(detail)  # it may quote what was typed: no control characters in pages
    if request.url.path.startswith("/api/") or request.url.path.endswith(".json"):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return request.app.state.templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "detail": detail},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Route HTTP and validation errors through one place per audience."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(
        request: Request, exc: StarletteHTTPException
    ) -> HTMLResponse | JSONResponse:
        headers = dict(exc.headers or {})
        if "Allow" in headers:
            headers["Allow"] = allow_with_head(headers["Allow"])
        return error_response(request, exc.status_code, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        # Starlette answers this outside every middleware: the security headers go here.
        return error_response(request, 500, SERVER_ERROR, SECURITY_HEADERS)

    @app.exception_handler(RequestValidationError)
    async def bad_request(
        request: Request, exc: RequestValidationError
    ) -> HTMLResponse | JSONResponse:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": jsonable_errors(exc.errors())}, status_code=422)
        return error_response(request, 400, plain_problems(exc.errors()))
