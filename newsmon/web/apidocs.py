"""/api/docs: the JSON API described on a plain page, made from the OpenAPI document.

No scripts and nothing from a CDN, so it works offline and under the same strict
Content-Security-Policy as every other page (Swagger UI needed both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
EXAMPLE_VALUES = {"article_id": "1", "number": "0", "a": "0", "b": "1"}


@dataclass(frozen=True)
class Param:
    name: str
    where: str
    kind: str
    required: bool
    description: str


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    example: str
    summary: str
    description: str
    params: list[Param]
    fields: list[tuple[str, str]]
    statuses: list[str]


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
                    description=p.get("description", ""),
                )
                for p in op.get("parameters", [])
            ]
            responses = op.get("responses", {})
            out.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    example=example,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
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
