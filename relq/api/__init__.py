"""relq's REST API (/api/v1) and its personal tokens.

Why SpecTree (3.0): it registers on a plain Flask blueprint, so the API's views are ordinary
relq views (`@allow`, the scoping door, the services, `transaction()`), with no framework of
its own beside Flask's (APIFlask replaces the Flask app class; flask-smorest brings marshmallow
beside the pydantic v2 relq already has). It validates query strings and JSON bodies with
pydantic models (`extra="forbid"` refuses unknown fields) and writes the OpenAPI 3.1 document
from the same models, so the document cannot drift from what the code accepts. We serve the
document ourselves (relq/api/spec.py) and Swagger UI from the swagger-ui-bundle package, so
nothing comes from a CDN and the strict CSP holds.

Parts: models (tokens, the rate counter), tokens (the token services), guard (bearer token,
scope, rate limit, body checks before every API request), ratelimit, paging (opaque cursors),
schemas (pydantic), spec (SpecTree), cases and views (the resources), token_views (the page).
"""
