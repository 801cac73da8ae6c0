"""What an ``endpoint(...)`` declaration puts into the service's OpenAPI document."""

from __future__ import annotations

import uuid

import jsonschema
import pytest
from flask import Flask
from pydantic import Field

from common.http.openapi import Answer, build_openapi, endpoint, page_of
from common.schemas import Body, PageQuery


class ThingCreate(Body):
    name: str = Field(min_length=1)


class Thing(Answer):
    id: str
    name: str


def app() -> Flask:
    flask = Flask(__name__)

    @flask.post("/things")
    @endpoint("Make a thing", body=ThingCreate, status=201, response=Thing)
    def make_thing(body: ThingCreate) -> tuple[dict[str, str], int]:
        return {"id": "1", "name": body.name}, 201

    @flask.get("/things")
    @endpoint("Things", query=PageQuery, response=page_of(Thing), media=("text/csv",))
    def things(query: PageQuery) -> dict[str, object]:
        return {"items": [], "next_cursor": None}

    @flask.delete("/things/<uuid:thing_id>")
    @endpoint("Drop a thing", status=204)
    def drop(thing_id: uuid.UUID) -> tuple[str, int]:
        assert thing_id.version == 4
        return "", 204

    return flask


def resolved(document: dict[str, object], schema: dict[str, object]) -> dict[str, object]:
    """A validator for ``schema`` with the document's components to resolve refs against."""
    return {**schema, "components": document["components"]}


def test_the_success_answer_is_declared_with_its_model() -> None:
    document = build_openapi(app(), "test")
    created = document["paths"]["/things"]["post"]["responses"]["201"]
    schema = resolved(document, created["content"]["application/json"]["schema"])
    jsonschema.validate({"id": "1", "name": "x"}, schema)
    # A field the model does not name is a violation: the document cannot drift.
    with pytest.raises(jsonschema.ValidationError, match="secret"):
        jsonschema.validate({"id": "1", "name": "x", "secret": "y"}, schema)


def test_a_page_and_a_download_and_an_empty_answer() -> None:
    document = build_openapi(app(), "test")
    listed = document["paths"]["/things"]["get"]["responses"]["200"]["content"]
    assert set(listed) == {"application/json", "text/csv"}
    page = resolved(document, listed["application/json"]["schema"])
    jsonschema.validate({"items": [{"id": "1", "name": "x"}], "next_cursor": None}, page)
    assert listed["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingPage"}
    dropped = document["paths"]["/things/{thing_id}"]["delete"]["responses"]["204"]
    assert "content" not in dropped


def test_problems_share_one_schema_and_queries_keep_their_field_schemas() -> None:
    document = build_openapi(app(), "test")
    for methods in document["paths"].values():
        for operation in methods.values():
            for status in ("4XX", "default"):
                content = operation["responses"][status]["content"]
                assert content == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
    problem = resolved(document, {"$ref": "#/components/schemas/Problem"})
    jsonschema.validate(
        {
            "type": "https://tsunagu.example/problems/validation_failed",
            "title": "Validation failed",
            "status": 422,
            "detail": "Bad input",
            "code": "validation_failed",
            "errors": [{"field": "name", "message": "Required", "code": "missing"}],
        },
        problem,
    )
    limit = next(
        p for p in document["paths"]["/things"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert limit["required"] is False
