"""Tokens, sessions, lockout and the second factor for /api/v1."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.utils import reset as axes_reset
from django.test import Client
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from phoihop.api.errors import unauthorized_message
from phoihop.api.models import ApiToken
from phoihop.api.services import token_issue, token_revoke
from phoihop.api.tests.helpers import current_code, send
from phoihop.core.models import AuditEvent
from phoihop.core.tests.catalog import write_catalog


def obtain(client, username, password, **extra):
    return send(client, "post", "/auth/token", {"username": username, "password": password, **extra})


def use(client, raw, path="/me"):
    return send(client, "get", path, headers={"Authorization": f"Bearer {raw}"})


# Obtaining a token ------------------------------------------------------------------------------


def test_officer_exchanges_password_for_a_token_and_uses_it(client, commune_officer, password, settings):
    response = obtain(client, "xa", password, name="báo cáo hằng tuần")
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("ph_")
    expires = dt.datetime.fromisoformat(body["expires_at"])
    expected = timezone.now() + dt.timedelta(days=settings.PHOIHOP_API_TOKEN_DAYS)
    assert abs((expires - expected).total_seconds()) < 60

    me = use(client, body["token"])
    assert me.status_code == 200
    assert me.json()["username"] == "xa"
    # Only a hash is stored: the secret is nowhere in the database.
    token = ApiToken.objects.get(user=commune_officer)
    assert body["token"] not in (token.key_hash, token.prefix)
    assert token.name == "báo cáo hằng tuần"
    assert AuditEvent.objects.filter(verb="api_token.issued", actor=commune_officer).exists()


def test_token_by_email_address_works_like_the_web_login(client, commune_officer, password):
    assert obtain(client, "XA@example.vn", password).status_code == 200


def test_issuing_a_token_counts_as_a_login(client, commune_officer, password):
    assert commune_officer.last_login is None
    obtain(client, "xa", password)
    commune_officer.refresh_from_db()
    assert commune_officer.last_login is not None


def test_tokens_never_expire_when_the_setting_is_zero(client, commune_officer, password, settings):
    settings.PHOIHOP_API_TOKEN_DAYS = 0
    body = obtain(client, "xa", password).json()
    assert body["expires_at"] is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=3650)):
        assert use(client, body["token"]).status_code == 200


# Every failure looks the same --------------------------------------------------------------------


@pytest.fixture
def failures(client, commune_officer, password):
    """Every way to fail authentication, each as a function returning the response."""

    def disabled_account():
        commune_officer.is_active = False
        commune_officer.save(update_fields=["is_active"])
        return obtain(client, "xa", password)

    def revoked_token():
        token, raw = token_issue(user=commune_officer)
        token_revoke(actor=commune_officer, token=token)
        return use(client, raw)

    def expired_token():
        _token, raw = token_issue(user=commune_officer)
        with time_machine.travel(timezone.now() + dt.timedelta(days=365)):
            return use(client, raw)

    def token_of_disabled_account():
        _token, raw = token_issue(user=commune_officer)
        commune_officer.is_active = False
        commune_officer.save(update_fields=["is_active"])
        return use(client, raw)

    return {
        "wrong password": lambda: obtain(client, "xa", "not-the-password"),
        "unknown user": lambda: obtain(client, "nobody", password),
        "disabled account": disabled_account,
        "unknown token": lambda: use(client, "ph_made-up"),
        "revoked token": revoked_token,
        "expired token": expired_token,
        "token of a disabled account": token_of_disabled_account,
        "not a bearer header": lambda: send(client, "get", "/me", headers={"Authorization": "Basic eGE6eA=="}),
        "no credentials at all": lambda: send(client, "get", "/me"),
    }


def test_every_authentication_failure_gets_the_same_401(failures):
    bodies = {}
    for case, attempt in failures.items():
        response = attempt()
        assert response.status_code == 401, case
        assert response["WWW-Authenticate"].startswith("Bearer")
        bodies[case] = response.content
    # Byte for byte the same: nobody learns whether the name, the password or the token was wrong.
    assert len(set(bodies.values())) == 1, bodies


def test_the_401_message_is_translated_and_sent_as_utf8(client, settings, tmp_path):
    with translation.override("en"):  # the catalogue is keyed by the English source text
        source = unauthorized_message()
    settings.LOCALE_PATHS = [write_catalog(tmp_path, {source: "Xác thực không thành công."})]
    response = send(client, "get", "/me")
    assert response.status_code == 401
    assert "Xác thực không thành công.".encode() in response.content


def test_a_disabled_persons_existing_token_stops_working(client, commune_officer):
    _token, raw = token_issue(user=commune_officer)
    assert use(client, raw).status_code == 200
    commune_officer.is_active = False
    commune_officer.save(update_fields=["is_active"])
    assert use(client, raw).status_code == 401


# Lockout -------------------------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_token_endpoint_with_429(client, commune_officer, password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [obtain(client, "xa", "wrong-password").status_code for _ in range(limit)]
    # axes locks on the failure that reaches the limit, as on the web login page.
    assert statuses == [401] * (limit - 1) + [429]
    locked = obtain(client, "xa", password)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert "detail" in locked.json()
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    assert not ApiToken.objects.exists()

    axes_reset(username="xa")
    assert obtain(client, "xa", password).status_code == 200


def test_failures_on_the_web_and_the_api_add_up(client, commune_officer, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/account/login/", {"username": "xa", "password": "wrong-password"})
    assert obtain(client, "xa", "wrong-password").status_code == 429


def test_a_successful_token_request_clears_earlier_failures(client, commune_officer, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        obtain(client, "xa", "wrong-password")
    assert obtain(client, "xa", password).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(client, "xa", "wrong-password").status_code == 401


# System administrators and TOTP -------------------------------------------------------------------


@pytest.fixture
def admin_device(province_admin):
    return TOTPDevice.objects.create(user=province_admin, name="phone", confirmed=True)


def test_system_admin_without_a_device_gets_no_token(client, province_admin, password):
    assert obtain(client, "admin", password, otp="123456").status_code == 401


def test_system_admin_needs_the_current_totp_code(client, province_admin, admin_device, password, failures):
    without = obtain(client, "admin", password)
    wrong = obtain(client, "admin", password, otp=f"{(int(current_code(admin_device)) + 1) % 10**6:06d}")
    assert without.status_code == wrong.status_code == 401
    # The right password with a missing code must not reveal that the password was right.
    assert without.content == wrong.content == failures["wrong password"]().content

    # django-otp makes the device wait a moment after a wrong code; then the current code passes.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        response = obtain(client, "admin", password, otp=current_code(admin_device))
    assert response.status_code == 200
    assert use(client, response.json()["token"]).json()["is_system_admin"] is True


def test_totp_code_may_be_typed_with_the_apps_space(client, province_admin, admin_device, password):
    code = current_code(admin_device)
    assert obtain(client, "admin", password, otp=f"{code[:3]} {code[3:]}").status_code == 200


def test_unconfirmed_device_does_not_count(client, province_admin, admin_device, password):
    admin_device.confirmed = False
    admin_device.save(update_fields=["confirmed"])
    assert obtain(client, "admin", password, otp=current_code(admin_device)).status_code == 401


def test_wrong_totp_codes_count_towards_the_lockout(client, province_admin, admin_device, password, settings):
    statuses = [obtain(client, "admin", password, otp="000000").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert AuditEvent.objects.filter(verb="auth.login_failed", note="admin").count() == settings.AXES_FAILURE_LIMIT


def test_officers_need_no_totp_code(client, commune_officer, password):
    assert obtain(client, "xa", password).status_code == 200


# Listing and revoking tokens ------------------------------------------------------------------------


def test_list_shows_my_tokens_only_and_never_a_secret(client, commune_officer, officer_other_commune):
    mine, raw = token_issue(user=commune_officer, name="mine")
    token_issue(user=officer_other_commune, name="theirs")
    response = use(client, raw, "/auth/tokens")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [t["name"] for t in body["items"]] == ["mine"]
    assert body["items"][0]["prefix"] == mine.prefix
    assert raw.encode() not in response.content
    assert mine.key_hash.encode() not in response.content


def test_token_list_is_paginated(client, commune_officer):
    _first, raw = token_issue(user=commune_officer)
    for _ in range(4):
        token_issue(user=commune_officer)
    body = use(client, raw, "/auth/tokens?limit=2&offset=1").json()
    assert body["count"] == 5
    assert len(body["items"]) == 2


def test_owner_revokes_a_token_and_it_stops_working(client, commune_officer):
    token, raw = token_issue(user=commune_officer)
    _other, other_raw = token_issue(user=commune_officer)
    response = send(client, "delete", f"/auth/tokens/{token.pk}", headers={"Authorization": f"Bearer {other_raw}"})
    assert response.status_code == 204
    assert use(client, raw).status_code == 401
    assert use(client, other_raw).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(verb="api_token.revoked", actor=commune_officer, target_id=str(token.pk)).exists()


def test_revoking_another_persons_token_is_404(client, commune_officer, officer_other_commune):
    theirs, their_raw = token_issue(user=officer_other_commune)
    _mine, raw = token_issue(user=commune_officer)
    response = send(client, "delete", f"/auth/tokens/{theirs.pk}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 404
    assert use(client, their_raw).status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(client, commune_officer):
    token, raw = token_issue(user=commune_officer)
    assert token.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        use(client, raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        use(client, raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        use(client, raw)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=2)


# The current person -----------------------------------------------------------------------------------


def test_me_lists_my_open_memberships_in_utf8(client, commune_officer, bearer):
    response = send(client, "get", "/me", headers=bearer(commune_officer))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "username": "xa",
        "full_name": "Xa",
        "email": "xa@example.vn",
        "language": "vi",
        "is_system_admin": False,
        "memberships": [
            {"unit_code": "07090-UBND", "unit_name": "UBND phường An Sinh", "role": "officer", "title": ""}
        ],
    }
    assert "phường".encode() in response.content


# The browser's session ---------------------------------------------------------------------------


@pytest.fixture
def session_client(commune_admin):
    """A logged-in browser session that, unlike the default test client, enforces CSRF."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(commune_admin)
    return client


NEW_UNIT = {"parent": "07090", "code": "07090-DTN", "name": "Đoàn Thanh niên phường An Sinh", "kind": "mass_org"}


def test_session_reads_need_no_csrf_token(session_client):
    assert send(session_client, "get", "/me").json()["username"] == "xa.quantri"


def test_session_writes_without_csrf_token_are_refused(session_client):
    response = send(session_client, "post", "/orgs/units", NEW_UNIT)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")


def test_session_writes_with_csrf_token_pass(session_client):
    session_client.get("/api/v1/docs")  # the docs page sets the CSRF cookie (it sends the token itself)
    csrf = session_client.cookies["csrftoken"].value
    response = send(session_client, "post", "/orgs/units", NEW_UNIT, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201


def test_bearer_writes_need_no_csrf_token(commune_admin, bearer):
    client = Client(enforce_csrf_checks=True)
    response = send(client, "post", "/orgs/units", NEW_UNIT, headers=bearer(commune_admin))
    assert response.status_code == 201


def test_anonymous_write_gets_401_not_a_csrf_error(commune_admin):
    assert send(Client(enforce_csrf_checks=True), "post", "/orgs/units", NEW_UNIT).status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(session_client):
    response = send(session_client, "get", "/me", headers={"Authorization": "Bearer ph_revoked-or-mistyped"})
    assert response.status_code == 401


def test_system_admin_session_needs_the_second_factor_too(client, province_admin, admin_device):
    client.force_login(province_admin)
    assert send(client, "get", "/me").status_code == 401
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = admin_device.persistent_id
    session.save()
    assert send(client, "get", "/me").status_code == 200
