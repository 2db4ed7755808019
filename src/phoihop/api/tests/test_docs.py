"""The OpenAPI schema and the interactive docs, served from our own static files."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from phoihop.api.pagination import MAX_LIMIT

ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)


def test_docs_page_loads_every_script_and_style_from_our_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for url in assets:
        parts = urlsplit(url)
        # No scheme and no host: nothing from a CDN or any other server.
        assert not parts.scheme and not parts.netloc, url
        assert url.startswith("/static/"), url
        served = client.get(url)  # whitenoise, straight from the app's static folder
        assert served.status_code == 200, url
        # Read through the client's wrapper, which also closes the file the right way.
        assert b"".join(served.streaming_content), url
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)


def test_docs_page_does_not_send_the_schema_to_the_swagger_validator(client):
    html = client.get("/api/v1/docs").content.decode()
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.DOTALL).group(1))
    assert settings["validatorUrl"] is None
    assert settings["url"] == "/api/v1/openapi.json"


def test_openapi_schema_lists_our_endpoints_and_security(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    paths = schema["paths"]
    expected = {
        "/api/v1/auth/token": {"post"},
        "/api/v1/auth/tokens": {"get"},
        "/api/v1/auth/tokens/{token_id}": {"delete"},
        "/api/v1/me": {"get"},
        "/api/v1/orgs/units": {"get", "post"},
        "/api/v1/orgs/units/{code}": {"get", "patch"},
        "/api/v1/orgs/units/{code}/children": {"get"},
        "/api/v1/orgs/units/{code}/successions": {"get"},
        "/api/v1/orgs/units/{code}/members": {"get"},
        "/api/v1/orgs/units/{code}/close": {"post"},
        "/api/v1/orgs/memberships": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
    assert {"BearerTokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    # The token endpoint is the one door open without authentication.
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    assert paths["/api/v1/me"]["get"]["security"]


def test_openapi_schema_documents_the_page_ceiling(client):
    parameters = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/orgs/units"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_LIMIT
