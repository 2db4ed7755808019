from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from phoihop.core.audit import audit_record
from phoihop.core.htmx import is_htmx, render_page_or_fragment
from phoihop.core.middleware import UserLanguageMiddleware
from phoihop.orgs import access, importexport, panels, selectors, services
from phoihop.orgs import forms as orgs_forms
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
    """Ask for a TOTP code; on first use, enrol a device with a QR code and confirm it.

    Only a person the second step is pending for (a system admin, set by the middleware) gets
    here: anyone else would enrol a device that no login ever asks for.
    """
    if not getattr(request, "two_factor_pending", False):
        return redirect(_safe_next(request))
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="phoihop", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                with transaction.atomic():
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    audit_record(actor=user, verb="auth.two_factor_enrolled", target=user)
            otp_login(request, device)
            return redirect(_safe_next(request))
        backup = _backup_code_device(user, form.cleaned_data["token"])
        if backup is not None:
            # A single-use backup code passes the second step without enrolling an app (the
            # demo prints ten; an admin who lost the phone uses one, then enrols again).
            audit_record(actor=user, verb="auth.backup_code_used", target=user)
            otp_login(request, backup)
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
            # Authenticator apps take a typed key in base32, as in the QR code's otpauth:// address.
            "secret": base64.b32encode(device.bin_key).decode("ascii").rstrip("=") if enrolling else "",
            "next": _safe_next(request),
        },
    )


def _backup_code_device(user, token: str) -> StaticDevice | None:
    """Return the confirmed backup-code device that accepts (and so consumes) `token`, if any."""
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.strip().lower()):
            return device
    return None


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    include_closed = request.GET.get("closed") == "1"
    return render(
        request,
        "orgs/unit_tree.html",
        {
            "roots": selectors.unit_tree_for_user(user=request.user, include_closed=include_closed),
            "include_closed": include_closed,
            "can_manage": selectors.can_manage_people(user=request.user),
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
            "panels": panels.render_all(request, unit),
        },
    )


# --- unit screens -------------------------------------------------------------------------------
# Each view: one access call (404 outside scope, 403 below unit admin), a form for shape, one
# service for meaning; a service's ValidationError is shown beside the field it names.


def _managed_open_units(request: HttpRequest):
    return selectors.managed_units(user=request.user, open_only=True)


@login_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = access.access_unit(request.user, pk, min_role=Role.UNIT_ADMIN)
    form = orgs_forms.UnitForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The unit %(name)s was created.") % {"name": unit.name})
            return redirect(unit)
    return render(request, "orgs/unit_form.html", {"form": form, "parent": parent, "unit": None})


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk, min_role=Role.UNIT_ADMIN)
    initial = model_to_dict(unit, fields=orgs_forms.UNIT_FORM_FIELDS)
    form = orgs_forms.UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(unit)
    return render(request, "orgs/unit_form.html", {"form": form, "parent": None, "unit": unit})


@login_required
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk, min_role=Role.UNIT_ADMIN)
    # Units within this one stay in the list on purpose: choosing one gets the service's
    # explanation beside the field rather than a bare "not a valid choice".
    parents = _managed_open_units(request).exclude(pk=unit.pk)
    form = orgs_forms.UnitMoveForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_move(actor=request.user, unit=unit, new_parent=form.cleaned_data["parent"])
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The unit was moved."))
            return redirect(unit)
    return render(
        request,
        "orgs/unit_move.html",
        {"form": form, "unit": unit, "current_parent": Unit.objects.get_parent(unit)},
    )


def _after_unit_gone(request: HttpRequest, unit: Unit) -> HttpResponse:
    # Closing or merging may have ended the actor's own membership: go where they still see.
    access.forget(request.user)
    if access.units_visible(request.user).filter(pk=unit.pk).exists():
        return redirect(unit)
    return redirect("orgs:unit-tree")


@login_required
def unit_close(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk, min_role=Role.UNIT_ADMIN)
    if not unit.is_open:
        messages.error(request, _("This unit is already closed."))
        return redirect(unit)
    member_count = selectors.unit_open_memberships(unit=unit).count()
    move_choices = _managed_open_units(request).exclude(path__startswith=unit.path)
    kwargs = {"member_count": member_count, "move_choices": move_choices}
    if request.method == "GET" and is_htmx(request):
        # The members radio asks for the "move to" slot: shown only when moving them.
        form = orgs_forms.UnitCloseForm(initial=request.GET.dict(), **kwargs)
        return render_page_or_fragment(
            request,
            "orgs/unit_close.html",
            "orgs/partials/_unit_close_slot.html",
            {"form": form, "unit": unit, "show_move_to": form.members_choice() == orgs_forms.MEMBERS_MOVE},
        )
    form = orgs_forms.UnitCloseForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.unit_close(
                actor=request.user,
                unit=unit,
                on=data["on"],
                members=data.get("members") or None,
                move_to=data.get("move_to"),
                note=data["note"],
            )
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The unit %(name)s was closed.") % {"name": unit.name})
            return _after_unit_gone(request, unit)
    return render(
        request,
        "orgs/unit_close.html",
        {
            "form": form,
            "unit": unit,
            "member_count": member_count,
            # Without JavaScript the picker must be there to choose from; on a fresh page htmx
            # asks at once and hides it until "move" is chosen. A page with errors keeps it.
            "show_move_to": not form.is_bound or form.members_choice() != orgs_forms.MEMBERS_END,
            "lazy_slot": not form.is_bound,
        },
    )


# The service names the new unit's fields as the model does; the form prefixes them.
_MERGE_RENAME = {
    "code": "new_code",
    "name": "new_name",
    "short_name": "new_short_name",
    "kind": "new_kind",
    "division_type": "new_division_type",
    "parent": "new_parent",
    "valid_from": "on",
}


@login_required
def unit_merge(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk, min_role=Role.UNIT_ADMIN)
    if not unit.is_open:
        messages.error(request, _("A closed unit cannot take part in a merge."))
        return redirect(unit)
    managed = _managed_open_units(request)
    ancestors = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    kwargs = {"sources": managed.exclude(path__in=ancestors), "parents": managed}
    if request.method == "GET" and is_htmx(request):
        form = orgs_forms.UnitMergeForm(initial=request.GET.dict(), **kwargs)
        return render_page_or_fragment(
            request,
            "orgs/unit_merge.html",
            "orgs/partials/_unit_merge_slot.html",
            {"form": form, "unit": unit, "show_new": form["mode"].value() == orgs_forms.MERGE_INTO_NEW},
        )
    form = orgs_forms.UnitMergeForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {"actor": request.user, "on": data["on"], "members": data["members"], "basis": data["basis"]}
        try:
            if data["mode"] == orgs_forms.MERGE_INTO_NEW:
                target = services.unit_merge(
                    sources=[unit, *data["sources"]],
                    parent=data["new_parent"],
                    new_fields=form.new_fields(),
                    **common,
                )
            else:
                target = services.unit_merge(sources=list(data["sources"]), target=unit, **common)
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc, rename=_MERGE_RENAME)
        else:
            messages.success(request, _("The merge into %(name)s was recorded.") % {"name": target.name})
            return _after_unit_gone(request, target)
    return render(
        request,
        "orgs/unit_merge.html",
        {
            "form": form,
            "unit": unit,
            # As on the close page: all fields without JavaScript, the new unit's only when chosen.
            "show_new": not form.is_bound or form["mode"].value() != orgs_forms.MERGE_INTO_THIS,
            "lazy_slot": not form.is_bound,
        },
    )


# --- import and export of units -----------------------------------------------------------------


@login_required
def unit_export(request: HttpRequest) -> HttpResponse:
    """Without a format, the choice page; with one, the file of the units the person can see."""
    form = orgs_forms.UnitExportForm(request.GET if "format" in request.GET else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        root = access.access_unit_by_code(request.user, data["root"].strip()) if data["root"].strip() else None
        fmt = data["format"]
        content = importexport.export_file(user=request.user, fmt=fmt, root=root, include_closed=data["closed"])
        response = HttpResponse(content, content_type=importexport.CONTENT_TYPES[fmt])
        filename = importexport.export_filename(fmt=fmt, root=root, today=timezone.localdate())
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "orgs/unit_export.html", {"form": form})


@login_required
def unit_import(request: HttpRequest) -> HttpResponse:
    if not selectors.can_manage_people(user=request.user):
        raise PermissionDenied
    form = orgs_forms.UnitImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = importexport.import_units(
            actor=request.user, content=upload.read(), filename=upload.name, dry_run=form.cleaned_data["dry_run"]
        )
    return render(request, "orgs/unit_import.html", {"form": form, "report": report, "columns": importexport.COLUMNS})


# --- people -------------------------------------------------------------------------------------


def _require_people_admin(request: HttpRequest) -> None:
    if not selectors.can_manage_people(user=request.user):
        raise PermissionDenied


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    _require_people_admin(request)
    form = orgs_forms.PersonSearchForm(request.GET or None)
    query, former = "", False
    if form.is_valid():
        query, former = form.cleaned_data["q"], form.cleaned_data["former"]
    people = selectors.people_list(user=request.user, query=query, include_former=former)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    return render_page_or_fragment(
        request, "orgs/person_list.html", "orgs/partials/_person_rows.html", {"form": form, "page": page}
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    system_admin = access.is_system_admin(request.user)
    rows = [
        (
            m,
            m.ended_on is None
            and access.can(request.user, m.unit, Role.UNIT_ADMIN)
            and (system_admin or m.role != Role.SYSTEM_ADMIN),
        )
        for m in selectors.person_memberships(user=request.user, person=person)
    ]
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "rows": rows,
            "can_manage": selectors.can_manage_person(user=request.user, person=person),
            "activation_form": orgs_forms.PersonActivationForm(),
        },
    )


def _send_password_link(request: HttpRequest, person) -> None:
    """Mail the person Django's reset link (the same one "forgot password" sends)."""
    reset = PasswordResetForm({"email": person.email})
    if reset.is_valid():
        reset.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="orgs/email/password_reset_subject.txt",
            email_template_name="orgs/email/password_reset.txt",
        )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    _require_people_admin(request)
    roles = orgs_forms.grantable_roles(system_admin=access.is_system_admin(request.user))
    form = orgs_forms.PersonCreateForm(request.POST or None, units=_managed_open_units(request), roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        send_link = data["password_mode"] == orgs_forms.PASSWORD_LINK
        try:
            person = services.user_create_in_unit(
                actor=request.user,
                unit=data["unit"],
                role=data["role"],
                title=data["title"],
                username=data["username"],
                password=None if send_link else data["password"],
                **form.person_fields(),
            )
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            if send_link:
                _send_password_link(request, person)
                messages.success(
                    request,
                    _("%(name)s was added. A link to set the password was sent to %(email)s.")
                    % {"name": person, "email": person.email},
                )
            else:
                messages.success(request, _("%(name)s was added.") % {"name": person})
            return redirect("orgs:person-detail", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk, manage=True)
    initial = model_to_dict(person, fields=("full_name", "email", "phone", "language"))
    form = orgs_forms.PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=person, **form.cleaned_data)
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("orgs:person-detail", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": person})


def _person_activation(request: HttpRequest, pk: int, *, activate: bool) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk, manage=True)
    form = orgs_forms.PersonActivationForm(request.POST)
    if form.is_valid():
        service = services.user_reactivate if activate else services.user_deactivate
        try:
            service(actor=request.user, user=person, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            done = _("%(name)s can log in again.") if activate else _("%(name)s can no longer log in.")
            messages.success(request, done % {"name": person})
    return redirect("orgs:person-detail", pk=person.pk)


@login_required
@require_POST
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_activation(request, pk, activate=False)


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_activation(request, pk, activate=True)


@login_required
def membership_grant(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    roles = orgs_forms.grantable_roles(system_admin=access.is_system_admin(request.user))
    form = orgs_forms.MembershipGrantForm(request.POST or None, units=_managed_open_units(request), roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(actor=request.user, user=person, **form.cleaned_data)
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The membership was saved."))
            return redirect("orgs:person-detail", pk=person.pk)
    return render(request, "orgs/membership_grant.html", {"form": form, "person": person})


@login_required
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get(user=request.user, pk=pk)
    form = orgs_forms.MembershipEndForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(actor=request.user, membership=membership, on=form.cleaned_data["on"])
        except ValidationError as exc:
            orgs_forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The membership ended."))
            access.forget(request.user)
            if selectors.people_list(user=request.user, include_former=True).filter(pk=membership.user_id).exists():
                return redirect("orgs:person-detail", pk=membership.user_id)
            return redirect("orgs:person-list")
    return render(request, "orgs/membership_end.html", {"form": form, "membership": membership})
