"""Embeddings are deterministic; structured output is schema-valid, checked with a real validator."""

from __future__ import annotations

import base64
import json
import math
import struct
from pathlib import Path
from typing import Any

import jsonschema
import openai
import pytest
from pydantic import BaseModel

from AgentTestLibrary.mockllm.structured import example_for
from tests.captures import load_capture
from tests.conftest import StartMock


@pytest.fixture
def client(start_mock: StartMock) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{start_mock().url}/v1", api_key="sk-test", max_retries=0)


def test_same_text_same_vector_unit_length(client: openai.OpenAI) -> None:
    first = client.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta"])
    again = client.embeddings.create(model="text-embedding-3-small", input="alpha")
    assert first.data[0].embedding == again.data[0].embedding != first.data[1].embedding
    assert len(first.data[0].embedding) == 1536
    assert math.isclose(sum(v * v for v in first.data[0].embedding), 1.0, rel_tol=1e-6)


def test_dimensions_and_base64(client: openai.OpenAI) -> None:
    floats = client.embeddings.create(model="m", input="alpha", dimensions=16, encoding_format="float")
    packed = client.embeddings.create(model="m", input="alpha", dimensions=16, encoding_format="base64")
    assert len(floats.data[0].embedding) == 16
    raw = base64.b64decode(packed.data[0].embedding)  # type: ignore[arg-type]  # explicit base64 is not decoded
    assert list(struct.unpack("<16f", raw)) == pytest.approx(floats.data[0].embedding, rel=1e-6)


def test_scenario_sets_default_dimension(start_mock: StartMock) -> None:
    server = start_mock("embedding_dimensions: 32\nrules: []\n")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    assert len(client.embeddings.create(model="m", input="x").data[0].embedding) == 32


def test_bad_embedding_request_names_param(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="'dimensions' must be an integer"):
        client.embeddings.create(model="m", input="x", dimensions=0)


class Forecast(BaseModel):
    city: str
    celsius: int
    tags: list[str]
    windy: bool


def test_chat_parse_helper(client: openai.OpenAI) -> None:
    parsed = client.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], response_format=Forecast
    )
    assert isinstance(parsed.choices[0].message.parsed, Forecast)


def test_responses_parse_helper(client: openai.OpenAI) -> None:
    assert isinstance(client.responses.parse(model="gpt-5", input="x", text_format=Forecast).output_parsed, Forecast)


def test_scenario_json_wins_over_the_schema(start_mock: StartMock) -> None:
    server = start_mock("rules:\n  - reply: {json: {city: Oslo, celsius: -3, tags: [cold], windy: true}}\n")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    parsed = client.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], response_format=Forecast
    )
    assert parsed.choices[0].message.parsed == Forecast(city="Oslo", celsius=-3, tags=["cold"], windy=True)


SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"a": {"type": "string", "enum": ["x", "y"]}}, "required": ["a"]},
    {"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 9}}, "required": ["n"]},
    {"type": "object", "properties": {"n": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.9}}},
    {"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 7, "minimum": 10}}},
    {"type": "object", "properties": {"n": {"type": "integer", "maximum": -4}}},
    {"type": "object", "properties": {"s": {"type": "string", "minLength": 12, "maxLength": 14}}},
    {"type": "object", "properties": {"s": {"type": "string", "maxLength": 2}}},
    {"type": "object", "properties": {"id": {"type": "string", "pattern": "^wf_[a-z0-9-]{6,}$"}}},
    {"type": "string", "pattern": "^(?:[A-Z]{2}|\\d{3})-\\w+\\s?$"},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 3},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}]},
    {"type": "object", "properties": {"d": {"type": "string", "format": "date-time"},
                                      "e": {"type": "string", "format": "email"}}},
    {"type": ["string", "null"]},
    {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"k": {"const": 3}}, "required": ["k"]}]},
    {"oneOf": [{"type": "integer", "minimum": 2}, {"type": "string"}]},
    {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
               {"properties": {"b": {"type": "boolean"}}, "required": ["b"]}]},
    {"$defs": {"pt": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
     "type": "object",
     "properties": {"p": {"$ref": "#/$defs/pt"}, "q": {"type": "array", "items": {"$ref": "#/$defs/pt"}}},
     "required": ["p", "q"], "additionalProperties": False},
    {"type": "object", "properties": {"deep": {"type": "object", "properties": {"deeper": {"type": "object",
     "properties": {"v": {"type": "array", "items": {"type": "string", "enum": ["only"]}, "minItems": 2}}}}}}},
]  # fmt: skip


@pytest.mark.parametrize("schema", SCHEMAS, ids=[str(i) for i in range(len(SCHEMAS))])
def test_examples_validate_against_their_schema(schema: dict[str, Any]) -> None:
    value = example_for(schema)
    jsonschema.validate(value, schema)
    assert example_for(schema) == value


def test_pydantic_generated_schema_validates() -> None:
    schema = Forecast.model_json_schema()
    jsonschema.validate(example_for(schema), schema)


def test_gemini_cli_router_schema_from_the_capture() -> None:
    """Gemini CLI's model router asks for this OpenAPI-style (upper-case) schema and retries for ~95 s otherwise."""
    body = load_capture("gemini_cli_router_generate_content.json")["body"]
    schema = body["generationConfig"]["responseJsonSchema"]
    value = example_for(schema)
    assert set(value) == {"complexity_reasoning", "complexity_score"}
    assert isinstance(value["complexity_reasoning"], str) and isinstance(value["complexity_score"], int)


def test_capture_corpus_schemas_validate() -> None:
    """Every tool schema real clients sent in the captures gets a valid example."""
    count = 0
    for capture in sorted(Path(__file__).parents[1].glob("fixtures/captures/*.json")):
        body = json.loads(capture.read_text(encoding="utf-8")).get("body") or {}
        for tool in body.get("tools") or []:
            schema = (
                tool.get("input_schema") or tool.get("parameters") or (tool.get("function") or {}).get("parameters")
            )
            if isinstance(schema, dict):
                jsonschema.validate(example_for(schema), schema)
                count += 1
    assert count > 20
