"""/api/v1: one NinjaAPI that assembles each module's router.

Vietnamese must come out as UTF-8, not \\u escapes (stack-check §2), hence the renderer.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from phoihop.api.auth import BearerTokenAuth, SessionAuth


class UTF8Renderer(JSONRenderer):
    media_type = "application/json; charset=utf-8"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


api = NinjaAPI(
    title="phoihop API",
    version="1",
    description="Organisations, people and (as modules land) coordination records. Token: POST /api/v1/auth/token.",
    renderer=UTF8Renderer(),
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
)

from phoihop.api import routers  # noqa: E402

routers.mount(api)
