from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from phoihop.core.middleware import UserLanguageMiddleware
from phoihop.orgs import access, selectors, services
from phoihop.orgs.forms import LanguageForm, LoginForm, TokenForm
from phoihop.orgs.models import Role, Unit


class LoginView(auth_views.LoginView):
    template_name = "orgs/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[UserLanguageMiddleware.session_key] = form.get_user().language
        return response


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        language = form.cleaned_data["language"]
        request.session[UserLanguageMiddleware.session_key] = language
        if request.user.is_authenticated:
            services.user_set_language(actor=request.user, user=request.user, language=language)
    return redirect(_safe_next(request))


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "orgs/profile.html",
        {
            "memberships": selectors.user_memberships(user=request.user),
            "is_system_admin": access.is_system_admin(request.user),
        },
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Ask for a TOTP code; on first use, enrol a device with a QR code and confirm it."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="phoihop", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                from phoihop.core.audit import audit_record

                audit_record(actor=user, verb="auth.two_factor_enrolled", target=user)
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is not correct or has expired. Try the newest code."))
    qr_svg = ""
    if enrolling:
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
        buffer = io.BytesIO()
        image.save(buffer)
        qr_svg = buffer.getvalue().decode("utf-8")
    return render(
        request,
        "orgs/two_factor.html",
        {
            "form": form,
            "enrolling": enrolling,
            "qr_svg": qr_svg,
            "secret": device.bin_key.hex() if enrolling else "",
            "next": _safe_next(request),
        },
    )


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    include_closed = request.GET.get("closed") == "1"
    return render(
        request,
        "orgs/unit_tree.html",
        {
            "roots": selectors.unit_tree_for_user(user=request.user, include_closed=include_closed),
            "include_closed": include_closed,
            "can_manage": selectors.managed_units(user=request.user).exists(),
        },
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk)
    include_closed = request.GET.get("closed") == "1"
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "ancestors": Unit.objects.get_ancestors(unit),
            "children": selectors.unit_children(user=request.user, unit=unit, include_closed=include_closed),
            "members": selectors.unit_members(user=request.user, unit=unit),
            "history": selectors.unit_history(unit=unit),
            "can_manage": access.can(request.user, unit, Role.UNIT_ADMIN),
            "include_closed": include_closed,
        },
    )
