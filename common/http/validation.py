"""Request parsing with pydantic: malformed or hostile input becomes a 422 with
field-level errors before any operation runs."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from common.errors import FieldError, ValidationFailed
from common.http.bodylimit import MAX_JSON_DEPTH, json_too_deep
from common.schemas import Body, Query

__all__ = ["Body", "Query", "field_errors", "parse_body", "parse_model", "parse_query"]

M = TypeVar("M", bound=BaseModel)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(parts) or "body"


def field_errors(error: ValidationError) -> list[FieldError]:
    out = []
    for item in error.errors(include_url=False):
        message = item.get("msg", "invalid")
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        out.append(
            FieldError(_field_path(tuple(item["loc"])), message, item.get("type", "invalid"))
        )
    return out


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from exc


def parse_body(model: type[M]) -> M:
    """The JSON body as ``model``; 422 for a missing, malformed or invalid body."""
    raw = request.get_data(cache=True)
    if not raw:
        data: Any = {}
    else:
        if json_too_deep(raw):
            raise ValidationFailed(
                FieldError("body", f"JSON may nest at most {MAX_JSON_DEPTH} levels", "json_depth")
            )
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ValidationFailed(
                FieldError("body", "Body is not valid JSON", "json_invalid")
            ) from exc
    if not isinstance(data, dict):
        raise ValidationFailed(FieldError("body", "Body must be a JSON object", "object_type"))
    return parse_model(model, data)


def parse_query(model: type[M]) -> M:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return parse_model(model, data)
