"""/api/docs: the JSON API described on a plain page, made from the OpenAPI document.

No scripts and nothing from a CDN, so it works offline and under the same strict
Content-Security-Policy as every other page (Swagger UI needed both). The routes'
docstrings are Markdown (`code`, lists): rendered with Python-Markdown, after
escaping, so the page shows code where the source has backticks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import markdown
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

router = APIRouter(include_in_schema=False)
EXAMPLE_VALUES = {"article_id": "1", "number": "0", "a": "0", "b": "1"}


@dataclass(frozen=True)
class Param:
    name: str
    where: str
    kind: str
    required: bool
    description: Markup


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    example: str
    summary: Markup
    description: Markup
    params: list[Param]
    fields: list[tuple[str, str]]
    statuses: list[str]


def as_html(text: str, *, inline: bool = False) -> Markup:
    """Markdown (our docstrings) as HTML; any HTML in it is escaped first, shown not run."""
    html = markdown.markdown(str(escape(text.strip())), output_format="html")
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def _named_after_function(summary: str, operation_id: str) -> bool:
    """Whether FastAPI made `summary` from the function's name ("Get Article")."""
    return bool(summary) and operation_id.startswith(summary.lower().replace(" ", "_"))


_CLAUSE = re.compile(r"[.:;](?:\s|$)")


def summary_and_description(op: dict[str, Any]) -> tuple[str, str]:
    """A summary that says what the endpoint gives, and the rest of its description.

    A summary FastAPI derived from the function's name repeats the path in other
    words; the docstring's first clause says what comes back, so it becomes the summary.
    """
    summary, description = op.get("summary", ""), op.get("description", "").strip()
    if summary and not _named_after_function(summary, op.get("operationId", "")):
        return summary, description
    match = _CLAUSE.search(description)
    if not match:
        return description.rstrip("."), ""
    rest = description[match.end() :].strip()
    return description[: match.start()], rest[:1].upper() + rest[1:]


def _kind(schema: dict[str, Any]) -> str:
    """A parameter's or field's type in words: "integer", "string or null", "one of a, b"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if "anyOf" in schema:
        return " or ".join(_kind(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_kind(schema.get('items', {}))}"
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _fields(spec: dict[str, Any], response: dict[str, Any]) -> list[tuple[str, str]]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    model = spec.get("components", {}).get("schemas", {}).get(name, {})
    return [(field, _kind(s)) for field, s in model.get("properties", {}).items()]


def endpoints(spec: dict[str, Any]) -> list[Endpoint]:
    """Every operation in an OpenAPI document, with an example request path."""
    out = []
    for path, operations in spec.get("paths", {}).items():
        example = re.sub(r"\{(\w+)\}", lambda m: EXAMPLE_VALUES.get(m[1], "1"), path)
        for method, op in operations.items():
            params = [
                Param(
                    name=p["name"],
                    where=p["in"],
                    kind=_kind(p.get("schema", {})),
                    required=bool(p.get("required")),
                    description=as_html(p.get("description", ""), inline=True),
                )
                for p in op.get("parameters", [])
            ]
            responses = op.get("responses", {})
            summary, description = summary_and_description(op)
            out.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    example=example,
                    summary=as_html(summary, inline=True),
                    description=as_html(description),
                    params=params,
                    fields=_fields(spec, responses.get("200", {})),
                    statuses=[
                        f"{code} {r.get('description', '')}" for code, r in responses.items()
                    ],
                )
            )
    return out


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request,
        "apidocs.html",
        {"endpoints": endpoints(request.app.openapi()), "spec_url": request.app.openapi_url},
    )
