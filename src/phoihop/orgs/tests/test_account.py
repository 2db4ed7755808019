"""Logging in and out, lockout, the second step for system admins, password reset, language."""

from __future__ import annotations

import base64
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from phoihop.core.models import AuditEvent
from phoihop.core.tests.catalog import VIETNAMESE, write_catalog
from phoihop.orgs import services

SAME_MESSAGE = "The username or password is not correct, or the account is disabled."


@pytest.fixture(autouse=True)
def _no_lockouts_between_tests(no_lockouts):
    """Every test here logs in; none may inherit another's failed attempts (root conftest)."""


@pytest.fixture
def vietnamese(settings, tmp_path):
    """Install a small Vietnamese catalogue so Vietnamese text is visible to the tests."""
    settings.LOCALE_PATHS = [write_catalog(tmp_path / "locale")]
    return VIETNAMESE


def log_in(client, username, password, **extra):
    return client.post(reverse("orgs:login"), {"username": username, "password": password}, **extra)


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


# Logging in ------------------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["xa", "XA", "xa@example.vn", "XA@Example.VN"])
def test_officer_logs_in_with_username_or_email_in_any_case(client, commune_officer, password, identifier):
    response = log_in(client, identifier, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).context["user"] == commune_officer


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "disabled account"])
def test_every_login_failure_gets_the_same_message(client, commune_officer, password, case, settings):
    settings.LANGUAGE_CODE = "en"  # read the English source text, whatever the Vietnamese catalogue says
    username, secret = "xa", password
    if case == "wrong password":
        secret = "not-the-password"
    elif case == "unknown user":
        username = "nobody"
    else:
        services.user_update(actor=None, user=commune_officer, is_active=False)
    response = log_in(client, username, secret)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert list(errors) == [SAME_MESSAGE]
    # The message is announced to screen readers as soon as the page loads.
    assert re.search(r'<div role="alert" class="form-alert">.*' + re.escape(SAME_MESSAGE), response.text, re.S)
    assert "_auth_user_id" not in client.session


def test_failed_and_successful_logins_are_audited(client, commune_officer, password):
    log_in(client, "xa", "not-the-password")
    log_in(client, "xa", password)
    failed = AuditEvent.objects.get(verb="auth.login_failed")
    assert failed.note == "xa"
    assert failed.actor is None
    assert "not-the-password" not in str(failed.changes) + failed.note
    assert AuditEvent.objects.get(verb="auth.login").actor == commune_officer


def test_repeated_failures_lock_the_login_with_429(client, commune_officer, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "xa", "not-the-password").status_code == 200
    locked = log_in(client, "xa", "not-the-password")
    assert locked.status_code == 429
    assert "orgs/locked_out.html" in [t.name for t in locked.templates]
    # Even the right password is refused while the lock lasts.
    assert log_in(client, "xa", password).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client, commune_officer, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "xa", "not-the-password")
    assert log_in(client, "xa", password).status_code == 302
    client.post(reverse("orgs:logout"))
    # Had the count survived, the next failure would have been the locking one.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "xa", "not-the-password").status_code == 200
    assert log_in(client, "xa", password).status_code == 302


def test_a_locked_account_does_not_lock_colleagues_in_the_same_office(
    client, commune_officer, commune_leader, password, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "xa", "not-the-password")
    assert log_in(client, "xa", password).status_code == 429
    # Same office address, other person: not locked.
    assert log_in(client, "xa.lanhdao", password).status_code == 302


def test_lockout_counts_the_client_address_behind_the_proxy(client, commune_officer, password, settings):
    settings.PHOIHOP_BEHIND_PROXY = True
    settings.PHOIHOP_PROXY_COUNT = 1
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "xa", "not-the-password", **attacker)
    assert log_in(client, "xa", password, **attacker).status_code == 429
    # The real person at another address comes through the same proxy and is not locked out.
    owner = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert log_in(client, "xa", password, **owner).status_code == 302
    # The trail names the attacker's address for every refused attempt, the locked-out one too.
    attempts = settings.AXES_FAILURE_LIMIT + 1
    assert AuditEvent.objects.filter(verb="auth.login_failed", ip="203.0.113.5").count() == attempts
    assert not AuditEvent.objects.filter(verb="auth.login_failed", ip="127.0.0.1").exists()


def test_login_ignores_a_next_address_on_another_site(client, commune_officer, password):
    response = client.post(
        reverse("orgs:login"), {"username": "xa", "password": password, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_logout_ends_the_session(client, commune_officer, password):
    log_in(client, "xa", password)
    assert client.post(reverse("orgs:logout")).status_code == 302
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("orgs:login"))
    assert AuditEvent.objects.filter(verb="auth.logout", actor=commune_officer).exists()


# Second step for system admins -----------------------------------------------------------------


def test_system_admin_must_pass_the_second_step_before_any_page(client, province_admin, password):
    assert log_in(client, "admin", password).status_code == 302
    for url in (reverse("core:home"), reverse("orgs:unit-tree"), reverse("audit:event-list") + "?person=xa&verb=x"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("orgs:two-factor") + "?next=")
    # The whole address survives the detour, query string included.
    assert response["Location"].endswith("?next=%2Faudit%2F%3Fperson%3Dxa%26verb%3Dx")


def test_enrolment_shows_a_qr_code_and_a_correct_code_lets_the_admin_in(client, province_admin, password):
    log_in(client, "admin", password)
    page = client.get(reverse("orgs:two-factor") + "?next=/orgs/")
    assert page.status_code == 200
    assert page.context["enrolling"] is True
    assert "<svg" in page.text  # inline: no image request, no third-party QR service
    device = TOTPDevice.objects.get(user=province_admin)
    assert not device.confirmed
    # While the second step is pending the menu would only bounce back here: it is hidden.
    assert 'id="global-search"' not in page.text

    response = client.post(reverse("orgs:two-factor"), {"token": current_code(device), "next": "/orgs/"})
    assert response.status_code == 302
    assert response["Location"] == "/orgs/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("core:home")).status_code == 200
    event = AuditEvent.objects.get(verb="auth.two_factor_enrolled")
    assert event.actor == province_admin


def test_a_wrong_code_shows_the_error_beside_the_field(client, province_admin, password):
    # The admin reads English (login puts the person's language in the session): the assertions
    # read the source text, whatever the Vietnamese catalogue says.
    province_admin.language = "en"
    province_admin.save(update_fields=["language"])
    log_in(client, "admin", password)
    client.get(reverse("orgs:two-factor"))
    device = TOTPDevice.objects.get(user=province_admin)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("orgs:two-factor"), {"token": wrong})
    assert response.status_code == 200
    row = re.search(r'<div class="form-row">.*?</div>', response.text, re.S).group(0)
    assert 'id="id_token"' in row
    assert 'aria-invalid="true"' in row
    assert 'aria-describedby="id_token_error"' in row
    assert re.search(r'id="id_token_error".*not correct', row, re.S)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("core:home")).status_code == 302


def test_a_second_login_asks_for_the_code_without_enrolling_again(client, province_admin, password):
    log_in(client, "admin", password)
    client.get(reverse("orgs:two-factor"))
    device = TOTPDevice.objects.get(user=province_admin)
    client.post(reverse("orgs:two-factor"), {"token": current_code(device)})
    client.post(reverse("orgs:logout"))

    # A minute later: a code is accepted once, so the next login needs the next code.
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        log_in(client, "admin", password)
        page = client.get(reverse("orgs:two-factor"))
        assert page.context["enrolling"] is False
        assert "<svg" not in page.text
        assert TOTPDevice.objects.filter(user=province_admin).count() == 1
        device.refresh_from_db()
        response = client.post(reverse("orgs:two-factor"), {"token": current_code(device)})
        assert response.status_code == 302
        assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(verb="auth.two_factor_enrolled").count() == 1


def test_the_key_to_type_by_hand_is_the_base32_secret_of_the_qr_code(client, province_admin, password):
    log_in(client, "admin", password)
    page = client.get(reverse("orgs:two-factor"))
    device = TOTPDevice.objects.get(user=province_admin)
    typed = re.search(r'<code class="secret">(\w+)</code>', page.text).group(1)
    assert f"secret={typed}" in device.config_url
    assert base64.b32decode(typed + "=" * (-len(typed) % 8)) == device.bin_key


def test_a_code_typed_with_a_space_as_the_app_shows_it_is_accepted(client, province_admin, password):
    log_in(client, "admin", password)
    client.get(reverse("orgs:two-factor"))
    device = TOTPDevice.objects.get(user=province_admin)
    code = current_code(device)
    response = client.post(reverse("orgs:two-factor"), {"token": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 302


def test_an_officer_is_never_asked_for_a_code(client, commune_officer, password):
    log_in(client, "xa", password)
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(reverse("orgs:unit-tree")).status_code == 200
    # Nor can they enrol a device that no login would ever ask for.
    response = client.get(reverse("orgs:two-factor"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not TOTPDevice.objects.exists()


# Password reset -------------------------------------------------------------------------------------


def _reset_link(body: str) -> str:
    return re.search(r"http://testserver(/account/reset/\S+/)", body).group(1)


def test_password_reset_mail_is_vietnamese_and_its_link_sets_a_new_password(
    client, commune_officer, password, mailoutbox, vietnamese
):
    response = client.post(reverse("orgs:password-reset"), {"email": "XA@example.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:password-reset-done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["xa@example.vn"]
    assert mail.subject == vietnamese["phoihop: set a new password"]

    form_page = client.get(_reset_link(mail.body), follow=True)
    assert form_page.context["validlink"] is True
    new = "a-brand-new-passphrase"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert done["Location"] == reverse("orgs:password-reset-complete")

    assert log_in(client, "xa", password).status_code == 200
    assert log_in(client, "xa", new).status_code == 302
    # The link works once.
    assert client.get(_reset_link(mail.body), follow=True).context["validlink"] is False


def test_password_reset_mail_follows_the_language_on_screen(client, commune_officer, mailoutbox, vietnamese):
    client.post(reverse("orgs:language"), {"language": "en", "next": "/"})
    client.post(reverse("orgs:password-reset"), {"email": "xa@example.vn"})
    assert mailoutbox[0].subject == "phoihop: set a new password"


def test_password_reset_for_an_unknown_address_reveals_nothing(client, commune_officer, mailoutbox):
    known = client.post(reverse("orgs:password-reset"), {"email": "xa@example.vn"})
    unknown = client.post(reverse("orgs:password-reset"), {"email": "nobody@example.vn"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mailoutbox) == 1


def test_password_reset_form_shows_a_bad_address_beside_the_field(client, db):
    response = client.post(reverse("orgs:password-reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert 'aria-describedby="id_email_error"' in response.text
    assert 'id="id_email_error"' in response.text


# Language --------------------------------------------------------------------------------------------


def test_pages_are_in_vietnamese_by_default(client, db, vietnamese):
    response = client.get(reverse("orgs:login"))
    assert '<html lang="vi">' in response.text
    assert response["Content-Language"] == "vi"
    assert vietnamese["Log in to phoihop"] in response.text


def test_english_chosen_by_a_person_persists_across_logout_and_login(client, commune_officer, password, vietnamese):
    log_in(client, "xa", password)
    response = client.post(reverse("orgs:language"), {"language": "en", "next": "/orgs/"})
    assert response["Location"] == "/orgs/"
    commune_officer.refresh_from_db()
    assert commune_officer.language == "en"
    home = client.get(reverse("core:home"))
    assert '<html lang="en">' in home.text
    assert home["Content-Language"] == "en"
    assert AuditEvent.objects.filter(verb="user.updated", target_id=str(commune_officer.pk)).exists()

    client.post(reverse("orgs:logout"))
    # Logged out the session is gone: the login page speaks the default language again ...
    assert vietnamese["Log in to phoihop"] in client.get(reverse("orgs:login")).text
    # ... and the person's own choice comes back with the login.
    log_in(client, "xa", password)
    assert '<html lang="en">' in client.get(reverse("core:home")).text


def test_language_switch_refuses_unknown_languages_and_foreign_next(client, commune_officer, password):
    log_in(client, "xa", password)
    response = client.post(reverse("orgs:language"), {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    commune_officer.refresh_from_db()
    assert commune_officer.language == "vi"
    assert client.get(reverse("core:home"))["Content-Language"] == "vi"


def test_language_switch_needs_post(client, db):
    assert client.get(reverse("orgs:language")).status_code == 405


def test_admin_passes_the_second_step_with_a_backup_code_once(client, province_admin, password):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from phoihop.core.models import AuditEvent

    device = StaticDevice.objects.create(user=province_admin, name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")
    client.post("/account/login/", {"username": "admin", "password": password})
    assert client.get("/orgs/").status_code == 302  # the second step is pending
    response = client.post("/account/2fa/", {"token": "ABCD 2345", "next": "/orgs/"})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert client.get("/orgs/").status_code == 200
    assert AuditEvent.objects.filter(verb="auth.backup_code_used", actor=province_admin).count() == 1
    # Single use: the same code does not pass a second login.
    client.post("/account/logout/")
    client.post("/account/login/", {"username": "admin", "password": password})
    response = client.post("/account/2fa/", {"token": "abcd2345", "next": "/orgs/"})
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
