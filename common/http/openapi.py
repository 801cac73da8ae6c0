"""Declaring endpoints once: the decorator parses and validates the request (422 on bad
input) and records what the OpenAPI document of the service says about it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel

from common.http.validation import parse_body, parse_query

F = TypeVar("F", bound=Callable[..., Any])
_META = "_tsunagu_api"


@dataclass(frozen=True)
class EndpointMeta:
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)


def endpoint(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    public: bool = False,
    tags: tuple[str, ...] = (),
) -> Callable[[F], F]:
    """Parse ``body``/``query`` models into keyword arguments of the same names.

    ``public`` endpoints need no principal token (health, login, invitation accept)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            return view(*args, **kwargs)

        setattr(wrapper, _META, EndpointMeta(summary, body, query, status, public, tags))
        return wrapper  # type: ignore[return-value]

    return decorate


def endpoint_meta(view: Callable[..., Any] | None) -> EndpointMeta | None:
    return getattr(view, _META, None) if view is not None else None


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key within 24 hours gets the first answer and "
    "changes nothing; the same key with another body gets 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def build_openapi(app: Flask, title: str, version: str = "1") -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        meta = endpoint_meta(view)
        if meta is None:
            continue
        path = rule.rule
        params = []
        for arg in rule.arguments:
            path = path.replace(f"<uuid:{arg}>", "{" + arg + "}").replace(
                f"<{arg}>", "{" + arg + "}"
            )
            params.append(
                {"name": arg, "in": "path", "required": True, "schema": {"type": "string"}}
            )
        if meta.query is not None:
            for name, info in meta.query.model_fields.items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": info.is_required(),
                        "schema": {"type": "string"},
                    }
                )
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "summary": meta.summary,
                "operationId": rule.endpoint,
                "parameters": params,
                "responses": {
                    str(meta.status): {"description": "Success"},
                    "default": {
                        "description": "Problem",
                        "content": {"application/problem+json": {}},
                    },
                },
            }
            if meta.tags:
                operation["tags"] = list(meta.tags)
            if not meta.public:
                operation["security"] = [{"principal": []}]
            if method == "POST" and not meta.public:
                # Safe retries (common.http.idempotency): a copy, the path's list is shared.
                operation["parameters"] = [*params, IDEMPOTENCY_KEY_PARAMETER]
            if meta.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _schema(meta.body, components)}},
                }
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "principal": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
