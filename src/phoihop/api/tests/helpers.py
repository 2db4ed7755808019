"""Small helpers shared by the API tests."""

from __future__ import annotations

import json
from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

API = "/api/v1"


def send(client, method: str, path: str, body: Any = None, **kwargs: Any):
    """Call the API path below /api/v1, with `body` as JSON when given."""
    call = getattr(client, method.lower())
    if body is None:
        return call(API + path, **kwargs)
    return call(API + path, data=json.dumps(body), content_type="application/json", **kwargs)


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows right now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"
