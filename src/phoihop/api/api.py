"""/api/v1: one NinjaAPI that assembles each module's router.

Vietnamese must come out as UTF-8, not \\u escapes (stack-check §2), hence the renderer. The
interactive docs load Swagger UI from ninja's own static files (ninja is in INSTALLED_APPS and
whitenoise serves them), never from a CDN.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from phoihop.api import errors
from phoihop.api.auth import BearerTokenAuth, SessionAuth


class UTF8Renderer(JSONRenderer):
    # ninja appends "; charset=utf-8" (the renderer's charset) to media_type itself.

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


api = NinjaAPI(
    title="phoihop API",
    version="1",
    description=(
        "Organisations, people and (as modules land) coordination records.\n\n"
        "Authenticate with `POST /api/v1/auth/token` (`username`, `password`, and `otp` for system "
        "administrators), then send `Authorization: Bearer <token>`. Pages of the web application "
        "may use their session instead (with the X-CSRFToken header for writes).\n\n"
        "Lists take `limit` (at most 200) and `offset` and answer `{items, count}`. Records outside "
        "your organisations answer 404; records you may see but not change answer 403."
    ),
    renderer=UTF8Renderer(),
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
    # validatorUrl: Swagger UI would otherwise send our schema to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)

from phoihop.api import routers  # noqa: E402

routers.mount(api)
