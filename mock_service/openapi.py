"""The OpenAPI 3.0 description of the service, as a plain dict that later resources can extend."""

from . import synthetic
from .query import PARAMETERS, Parameter


def build_openapi(max_page_size: int, default_page_size: int) -> dict:
    record = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "word": {"type": "string"}},
    }
    error = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "parameter": {"type": "string"}},
        "required": ["error"],
    }
    page = {
        "type": "object",
        "properties": {
            "records": {"type": "array", "items": {"$ref": "#/components/schemas/Word"}},
            "total": {"type": "integer", "description": "Matching words, ignoring limit and offset."},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
        "required": ["records", "total", "limit", "offset"],
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "restcorn mock word service",
            "version": "1.0.0",
            "description": "The words of a word list as records {id, word}; id is the line number.",
        },
        "paths": {
            "/": {"get": {
                "summary": "All words, in id order.",
                "responses": {"200": json_response("All records.", {
                    "type": "object",
                    "properties": {
                        "records": {"type": "array", "items": {"$ref": "#/components/schemas/Word"}},
                    },
                    "required": ["records"],
                })},
            }},
            "/words": {"get": {
                "summary": "Words filtered, sorted and paginated; all filters must hold.",
                "parameters": [
                    openapi_parameter(parameter, max_page_size, default_page_size)
                    for parameter in PARAMETERS
                ],
                "responses": {
                    "200": json_response("One page of matching records.",
                                         {"$ref": "#/components/schemas/WordPage"}),
                    "400": json_response("A bad parameter, named in 'parameter'.",
                                         {"$ref": "#/components/schemas/Error"}),
                },
            }},
            "/synthetic/{rows}": synthetic.openapi_path(max_page_size, default_page_size),
            "/health": {"get": {
                "summary": "Liveness and the number of words.",
                "responses": {"200": json_response("Healthy.", {
                    "type": "object",
                    "properties": {"status": {"type": "string"}, "words": {"type": "integer"}},
                })},
            }},
        },
        "components": {"schemas": {"Word": record, "WordPage": page, "Error": error}},
    }


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_parameter(parameter: Parameter, max_page_size: int, default_page_size: int) -> dict:
    if parameter.type == "list":
        schema = {"type": "array", "items": {"type": "string", "enum": list(parameter.list_items)}}
        style = {"style": "form", "explode": False}
    elif parameter.repeatable:
        schema = {"type": "array", "items": {"type": parameter.type}}
        style = {"style": "form", "explode": True}
    else:
        schema = {"type": parameter.type}
        style = {}
    if parameter.name == "limit":
        schema.update(minimum=0, maximum=max_page_size, default=default_page_size)
    if parameter.name == "offset":
        schema.update(minimum=0, default=0)
    return {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": parameter.description,
        "schema": schema,
        **style,
    }
