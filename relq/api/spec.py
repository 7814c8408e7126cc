"""The SpecTree instance that validates the API's requests and writes its OpenAPI 3.1 document
from the views' pydantic models (relq/api/schemas.py).

Strict mode: only views decorated with `spec.validate` are documented. SpecTree is not
registered on the app (it would add its own pages, without an access rule): the document is
served by relq/api/views.py, under the same access rules as every route."""

from __future__ import annotations

from typing import Any

from spectree import Response, SpecTree
from spectree.models import SecureType, SecurityScheme, SecuritySchemeData

from relq.api.schemas import Problem
from relq.errors import Invalid

PROBLEM_TYPES = "application/problem+json"


class FieldsRefused(Invalid):
    """A request's query or body does not fit its schema: `errors` says which fields and why."""

    status = 422

    def __init__(self, errors: list[dict]):
        super().__init__("fields_refused")
        self.errors = errors


def _fields(error) -> list[dict]:
    return [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in error.errors(include_url=False, include_input=False)
    ]


def refuse_invalid(req, resp, req_validation_error, instance, model_adapter) -> None:
    """SpecTree's `before` hook: a request that does not fit its schema is a 422 problem."""
    if req_validation_error is not None:
        raise FieldsRefused(_fields(req_validation_error))


spec = SpecTree(
    "flask",
    mode="strict",
    title="relq REST API",
    version="1",
    description=(
        "Cases, notes, tags, departments, handoffs, escalations, themes, surges and eNPS "
        "results, as the token's user sees them. Authenticate with `Authorization: Bearer "
        "<token>` (create one on the page API トークン, /settings/api-tokens/). Errors are RFC "
        "9457 problem details."
    ),
    openapi_version="3.1.0",
    before=refuse_invalid,
    validation_error_status=422,
    validation_error_model=Problem,
    # Components named as the models are (every model's name is unique in relq/api/schemas.py).
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"),
        )
    ],
    security={"bearer": []},
)

ERRORS = {f"HTTP_{code}": Problem for code in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429)}


def answers(**ok: Any) -> Response:
    """A route's documented answers: its own, and the problems every route may answer."""
    return Response(**ok, **ERRORS)


def document() -> dict:
    """The OpenAPI document, with the problems' media type (SpecTree writes every body as
    application/json)."""
    document = spec.spec
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    content[PROBLEM_TYPES] = content.pop("application/json")
    return document
