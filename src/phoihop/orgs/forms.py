from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from phoihop.orgs.models import Role, Unit, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        # One message for every failure, so nobody learns which part was wrong.
        "invalid_login": _("The username or password is not correct, or the account is disabled."),
        "inactive": _("The username or password is not correct, or the account is disabled."),
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app, or a backup code"),
        min_length=6,
        max_length=16,  # room for the spaces people type ("123 456", "abcd 2345")
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        # Apps show the code as "123 456"; people type it as they see it.
        return "".join(self.cleaned_data["token"].split())


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=User.Language.choices)
    next = forms.CharField(required=False)


# --- units and people (shape only: the services in orgs.services decide what is allowed) ---------


def add_service_errors(form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError beside the fields it names; the rest above the form.

    `rename` maps a service's field name to the form's (merge: the new unit's "code" is the
    form's "new_code").
    """
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = rename.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _unit_label(unit: Unit) -> str:
    # Tree order, indented by depth, with the code people search by.
    return f"{'— ' * max(unit.depth - 1, 0)}{unit.name} · {unit.code}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return _unit_label(obj)


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return _unit_label(obj)


UNIT_FORM_FIELDS = ("code", "name", "short_name", "kind", "division_type", "valid_from", "email", "phone", "address")


class UnitForm(forms.Form):
    """A unit's own fields, built from the model so labels and lengths stay in one place."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Unit, fields=UNIT_FORM_FIELDS, widgets={"valid_from": _date_input()}))
        self.fields["code"].help_text = _(
            "A territory keeps its official code (07090); a body is the territory code, a hyphen and "
            "its abbreviation (07090-UBND)."
        )


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(label=_("New place: within"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, parents: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents


MEMBERS_END = "end"
MEMBERS_MOVE = "move"


class UnitCloseForm(forms.Form):
    on = forms.DateField(
        label=_("Last day of the unit"),
        widget=_date_input(),
        help_text=_("The unit and every unit within it close at the end of this day."),
    )
    members = forms.ChoiceField(
        label=_("What becomes of the members?"),
        widget=forms.RadioSelect,
        choices=[
            (MEMBERS_END, _("End their memberships on that day")),
            (MEMBERS_MOVE, _("Move them, with the same roles, to another unit")),
        ],
        error_messages={"required": _("Choose what becomes of the members.")},
    )
    move_to = UnitChoiceField(label=_("Unit the members move to"), queryset=Unit.objects.none(), required=False)
    note = forms.CharField(label=_("Decision or reason"), required=False, max_length=500)

    def __init__(self, *args: Any, member_count: int, move_choices: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_count = member_count
        if member_count:
            self.fields["move_to"].queryset = move_choices
        else:
            # Nobody to ask about: the question would only confuse.
            del self.fields["members"]
            del self.fields["move_to"]

    def members_choice(self) -> str | None:
        return self["members"].value() if "members" in self.fields else None


MERGE_INTO_THIS = "into_this"
MERGE_INTO_NEW = "into_new"


class UnitMergeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Merge"),
        widget=forms.RadioSelect,
        choices=[
            (MERGE_INTO_THIS, _("the chosen units into this unit")),
            (MERGE_INTO_NEW, _("this unit and the chosen units into a new unit")),
        ],
        initial=MERGE_INTO_THIS,
    )
    sources = UnitMultipleChoiceField(
        label=_("Units to merge"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    on = forms.DateField(
        label=_("First day of the merged unit"),
        widget=_date_input(),
        help_text=_("The merged units close the day before."),
    )
    basis = forms.CharField(
        label=_("Legal basis"),
        max_length=255,
        help_text=_("The decision or resolution, for example Nghị quyết 1679/NQ-UBTVQH15."),
    )
    members = forms.ChoiceField(
        label=_("Members of the merged units"),
        widget=forms.RadioSelect,
        choices=[
            (MEMBERS_MOVE, _("Move them, with the same roles, to the merged unit")),
            (MEMBERS_END, _("End their memberships")),
        ],
        initial=MEMBERS_MOVE,
    )
    new_parent = UnitChoiceField(label=_("The new unit is within"), queryset=Unit.objects.none(), required=False)
    new_code = forms.CharField(label=_("Code of the new unit"), max_length=32, required=False)
    new_name = forms.CharField(label=_("Name of the new unit"), max_length=255, required=False)
    new_short_name = forms.CharField(label=_("Abbreviation"), max_length=64, required=False)
    new_kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Unit.Kind.choices], required=False)
    new_division_type = forms.CharField(label=_("Division type"), max_length=64, required=False)

    NEW_UNIT_FIELDS = ("new_parent", "new_code", "new_name", "new_short_name", "new_kind", "new_division_type")

    def __init__(self, *args: Any, sources: QuerySet[Unit], parents: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = sources
        self.fields["new_parent"].queryset = parents

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == MERGE_INTO_NEW:
            for name in ("new_parent", "new_code", "new_name", "new_kind"):
                if not data.get(name):
                    self.add_error(name, _("This is needed for a new unit."))
        elif data.get("mode") == MERGE_INTO_THIS and not data.get("sources"):
            self.add_error("sources", _("Choose at least one unit to merge into this one."))
        return data

    def new_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["new_code"],
            "name": data["new_name"],
            "short_name": data["new_short_name"],
            "kind": data["new_kind"],
            "division_type": data["new_division_type"],
        }


class UnitExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        widget=forms.RadioSelect,
        choices=[("xlsx", _("Excel workbook (XLSX)")), ("csv", _("CSV (UTF-8)"))],
        initial="xlsx",
    )
    root = forms.CharField(
        label=_("Only this unit and the units within it (code)"),
        required=False,
        max_length=32,
        help_text=_("Leave empty for every unit you can see."),
    )
    closed = forms.BooleanField(label=_("Include closed units"), required=False)


class UnitImportForm(forms.Form):
    MAX_BYTES = 10 * 1024 * 1024

    file = forms.FileField(
        label=_("File"),
        help_text=_("XLSX or CSV with the columns of the export. Nothing is written if any row has a problem."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Choose an .xlsx or .csv file."))
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB; split it."))
        return upload


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, username or e-mail"),
        required=False,
        max_length=100,
        # Search as one types (htmx swaps the rows); without JavaScript the button submits.
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "hx-get": reverse_lazy("orgs:person-list"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#person-rows",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
                "hx-push-url": "true",
            }
        ),
    )
    former = forms.BooleanField(label=_("Include people whose membership has ended"), required=False)


def grantable_roles(*, system_admin: bool) -> list[tuple[str, Any]]:
    """Roles offered on the screen; the service checks the actual ceiling over the chosen unit."""
    if system_admin:
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.SYSTEM_ADMIN]


class MembershipGrantForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role"), initial=Role.OFFICER)
    title = forms.CharField(label=_("Position"), required=False, max_length=150)

    def __init__(self, *args: Any, units: QuerySet[Unit], roles: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["role"].choices = roles


PASSWORD_LINK = "link"
PASSWORD_SET = "set"


class PersonCreateForm(MembershipGrantForm):
    password_mode = forms.ChoiceField(
        label=_("Password"),
        widget=forms.RadioSelect,
        choices=[
            (PASSWORD_LINK, _("Send a link by e-mail to set the password")),
            (PASSWORD_SET, _("Set an initial password now")),
        ],
        initial=PASSWORD_LINK,
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Give it to the person in person and ask them to change it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = forms.fields_for_model(User, fields=("username", "full_name", "email", "phone", "language"))
        person["full_name"].required = True
        self.fields = {**person, **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password_mode") == PASSWORD_LINK and not data.get("email"):
            self.add_error("email", _("An e-mail address is needed to send the link."))
        if data.get("password_mode") == PASSWORD_SET and not data.get("password"):
            self.add_error("password", _("Write the initial password, or choose to send a link."))
        return data

    def person_fields(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("full_name", "email", "phone", "language")}


class PersonEditForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(User, fields=("full_name", "email", "phone", "language")))


class MembershipEndForm(forms.Form):
    on = forms.DateField(label=_("Last day of the membership"), widget=_date_input())


class PersonActivationForm(forms.Form):
    note = forms.CharField(label=_("Reason"), required=False, max_length=500)
