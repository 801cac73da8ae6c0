"""Declaring endpoints once: the decorator parses and validates the request (422 on bad
input) and records what the OpenAPI document of the service says about it — including the
shape of its success answer (``response=``), which the fuzz tier (tests/fuzz) holds every
answer to. Problem answers share one ``Problem`` schema (RFC 9457 with field ``errors``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel, ConfigDict, create_model

from common.http.validation import parse_body, parse_query

F = TypeVar("F", bound=Callable[..., Any])
_META = "_tsunagu_api"
PROBLEM_MEDIA = "application/problem+json"


class Answer(BaseModel):
    """Base for declared success answers: a field the model does not name is a schema
    violation (``additionalProperties: false``), so the document cannot drift from the code."""

    model_config = ConfigDict(extra="forbid")


class FieldProblem(Answer):
    field: str
    message: str
    code: str


class Problem(Answer):
    """Every 4xx/5xx answer of every service and of the gateway (common.http.problems)."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[FieldProblem] | None = None


_PAGES: dict[type[BaseModel], type[BaseModel]] = {}


def page_of(item: type[BaseModel]) -> type[BaseModel]:
    """``{"items": [item...], "next_cursor": str | null}`` — the wire shape of a cursor page
    (common.pagination.Page.as_dict), as a model named ``<Item>Page``."""
    page = _PAGES.get(item)
    if page is None:
        page = create_model(
            f"{item.__name__}Page",
            __base__=Answer,
            items=(list[item], ...),  # type: ignore[valid-type]
            next_cursor=(str | None, ...),
        )
        _PAGES[item] = page
    return page


@dataclass(frozen=True)
class EndpointMeta:
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    response: type[BaseModel] | None = None
    media: tuple[str, ...] = ()


def endpoint(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    public: bool = False,
    tags: tuple[str, ...] = (),
    response: type[BaseModel] | None = None,
    media: tuple[str, ...] = (),
) -> Callable[[F], F]:
    """Parse ``body``/``query`` models into keyword arguments of the same names.

    ``public`` endpoints need no principal token (health, login, invitation accept).
    ``response`` is the model of the JSON success answer (``page_of(Item)`` for a cursor
    page); a ``status=204`` endpoint declares none. ``media`` lists other media types the
    success answer may come as (CSV or XLSX downloads), without a schema."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            return view(*args, **kwargs)

        setattr(
            wrapper,
            _META,
            EndpointMeta(summary, body, query, status, public, tags, response, media),
        )
        return wrapper  # type: ignore[return-value]

    return decorate


def endpoint_meta(view: Callable[..., Any] | None) -> EndpointMeta | None:
    return getattr(view, _META, None) if view is not None else None


def _schema(
    model: type[BaseModel], components: dict[str, Any], mode: str = "validation"
) -> dict[str, Any]:
    schema = model.model_json_schema(
        ref_template="#/components/schemas/{model}",
        mode=mode,  # type: ignore[arg-type]
    )
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


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One parameter per query field, under its alias (``from``), with the field's own
    schema so that generated requests reach past the parser."""
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _inlined(prop, definitions)
        # A query has no null: an optional field is one that may be left out.
        options = [o for o in prop.get("anyOf", ()) if o != {"type": "null"}]
        if len(options) == 1:
            prop = {k: v for k, v in prop.items() if k != "anyOf"} | options[0]
        prop = {k: v for k, v in prop.items() if k not in {"title", "default"}}
        params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return params


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """``schema`` with its ``$ref``s to the model's own ``$defs`` (enums) written in place:
    a parameter's schema stands alone."""
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = dict(definitions[ref.removeprefix("#/$defs/")])
        target.pop("title", None)
        return _inlined(target, definitions)
    return {key: _inlined(value, definitions) for key, value in schema.items()}


def _responses(meta: EndpointMeta, components: dict[str, Any]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    content: dict[str, Any] = {}
    if meta.response is not None:
        content["application/json"] = {
            "schema": _schema(meta.response, components, "serialization")
        }
    for media in meta.media:
        content[media] = {}
    if content:
        success["content"] = content
    problem = {
        "description": "Problem",
        "content": {PROBLEM_MEDIA: {"schema": _schema(Problem, components, "serialization")}},
    }
    return {str(meta.status): success, "4XX": problem, "default": problem}


def operation_spec(
    meta: EndpointMeta,
    method: str,
    operation_id: str,
    path_parameters: list[dict[str, Any]],
    components: dict[str, Any],
) -> dict[str, Any]:
    """One operation of an OpenAPI document, as ``meta`` declares it."""
    params = list(path_parameters)
    if meta.query is not None:
        params.extend(_query_parameters(meta.query))
    if method.upper() == "POST" and not meta.public:
        params.append(IDEMPOTENCY_KEY_PARAMETER)  # safe retries (common.http.idempotency)
    operation: dict[str, Any] = {
        "summary": meta.summary,
        "operationId": operation_id,
        "parameters": params,
        "responses": _responses(meta, components),
    }
    if meta.tags:
        operation["tags"] = list(meta.tags)
    if not meta.public:
        operation["security"] = [{"principal": []}]
    if meta.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(meta.body, components)}},
        }
    return operation


def openapi_document(
    title: str, paths: dict[str, Any], components: dict[str, Any], version: str = "1"
) -> dict[str, Any]:
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
            schema: dict[str, Any] = {"type": "string"}
            if f"<uuid:{arg}>" in path:
                schema["format"] = "uuid"
            path = path.replace(f"<uuid:{arg}>", "{" + arg + "}").replace(
                f"<{arg}>", "{" + arg + "}"
            )
            params.append({"name": arg, "in": "path", "required": True, "schema": schema})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = operation_spec(meta, method, rule.endpoint, params, components)
            paths.setdefault(path, {})[method.lower()] = operation
    return openapi_document(title, paths, components, version)
