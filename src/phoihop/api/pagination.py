"""limit/offset pagination with a hard ceiling, for every list of /api/v1."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
# A ceiling, so no single request can ask for a whole province's records at once.
MAX_LIMIT = 200


class Page(LimitOffsetPagination):
    """`?limit=&offset=`; the answer is `{"items": [...], "count": total}`.

    A limit above MAX_LIMIT is refused with 422 rather than silently cut, so a client that
    asks for more learns the ceiling from the error (and from the OpenAPI schema).
    """

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items (at most 200).")
        offset: int = Field(0, ge=0, description="How many items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
