"""Forms of the meeting screens: shape only (required, lengths, dates); meetings.services decides the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phoihop.agreements.forms import UnitCodeField, add_service_errors
from phoihop.meetings.models import Invitation, Meeting
from phoihop.orgs.models import Unit, User

__all__ = [
    "ConclusionForm",
    "FeedForm",
    "FileForm",
    "InviteForm",
    "MeetingFilterForm",
    "MeetingForm",
    "MinutesForm",
    "ReasonForm",
    "ResponseForm",
    "add_service_errors",
]

DATE_INPUT = {"type": "date"}
TIME_INPUT = {"type": "time"}


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def _units(value: str) -> list[Unit]:
    # A suggestion may come with its name ("22-MTTQ — Ủy ban MTTQ tỉnh"): the code is the first word.
    codes = [code.split(" ", 1)[0] for code in _codes(value)]
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(code__iexact=code)
    found = {unit.code.lower(): unit for unit in Unit.objects.filter(condition, valid_to__isnull=True)}
    unknown = [code for code in codes if code.lower() not in found]
    if unknown:
        raise ValidationError(
            gettext("No open unit has the code %(codes)s. Pick from the suggestions."),
            code="unknown_unit",
            params={"codes": ", ".join(unknown)},
        )
    return list(dict.fromkeys(found[code.lower()] for code in codes))


def _people(value: str) -> list[User]:
    names = _codes(value)
    found = {user.username.lower(): user for user in User.objects.filter(username__in=names, is_active=True)}
    unknown = [name for name in names if name.lower() not in found]
    if unknown:
        raise ValidationError(
            gettext("No active person has the user name %(names)s."),
            code="unknown_person",
            params={"names": ", ".join(unknown)},
        )
    return [found[name.lower()] for name in names]


class MeetingForm(forms.Form):
    """A meeting's date is entered as a day and two times, in Vietnam's time zone."""

    title = forms.CharField(label=_("Title"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    host_unit = forms.ModelChoiceField(label=_("Host unit"), queryset=Unit.objects.none())
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))
    end_time = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))
    end_day = forms.DateField(
        label=_("Last day"),
        required=False,
        help_text=_("Only for a meeting over several days."),
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    plan = forms.ModelChoiceField(
        label=_("Plan"),
        required=False,
        queryset=None,
        help_text=_("The tasks made from the conclusions go into this plan."),
    )
    units = forms.CharField(
        label=_("Invited units"),
        required=False,
        help_text=_("Codes separated by commas, e.g. 22-MTTQ, 22-HLHPN. Their officers and leaders are invited."),
        widget=forms.TextInput(attrs={"list": "unit-codes", "autocomplete": "off"}),
    )
    people = forms.CharField(
        label=_("Invited people"),
        required=False,
        help_text=_("User names separated by commas."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, hosts: QuerySet[Unit], plans: QuerySet, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = hosts
        self.fields["plan"].queryset = plans
        if editing:
            # The host owns the record and never changes; invitations have their own form.
            for name in ("host_unit", "units", "people"):
                del self.fields[name]

    @staticmethod
    def initial_for(meeting: Meeting) -> dict[str, Any]:
        starts = timezone.localtime(meeting.starts_at)
        ends = timezone.localtime(meeting.ends_at)
        return {
            "title": meeting.title,
            "kind": meeting.kind,
            "day": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "end_day": ends.date() if ends.date() != starts.date() else None,
            "place": meeting.place,
            "agenda": meeting.agenda,
            "plan": meeting.plan_id,
        }

    def clean_units(self) -> list[Unit]:
        return _units(self.cleaned_data.get("units") or "")

    def clean_people(self) -> list[User]:
        return _people(self.cleaned_data.get("people") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end and (data.get("end_day") or day, end) <= (day, start):
            # The service says the same; saying it here keeps it beside the field with the other errors.
            self.add_error("end_time", gettext("The meeting must end after it starts."))
        return data

    def service_fields(self) -> dict[str, Any]:
        """Return the cleaned data as the service's arguments (aware start and end)."""
        data = dict(self.cleaned_data)
        zone = timezone.get_current_timezone()
        day: dt.date = data.pop("day")
        end_day = data.pop("end_day", None) or day
        data["starts_at"] = dt.datetime.combine(day, data.pop("start_time"), tzinfo=zone)
        data["ends_at"] = dt.datetime.combine(end_day, data.pop("end_time"), tzinfo=zone)
        return data


class MeetingFilterForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("All")), ("upcoming", _("Still to come")), ("past", _("Past"))],
    )
    host = forms.ModelChoiceField(label=_("Host unit"), required=False, queryset=Unit.objects.none())
    q = forms.CharField(label=_("Title or place contains"), required=False, max_length=100)

    def __init__(self, *args: Any, hosts: QuerySet[Unit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts


class InviteForm(forms.Form):
    units = MeetingForm.base_fields["units"]
    people = MeetingForm.base_fields["people"]

    clean_units = MeetingForm.clean_units
    clean_people = MeetingForm.clean_people

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("units") and not data.get("people"):
            raise ValidationError(gettext("Name at least one unit or person to invite."), code="empty")
        return data


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FileForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    file = forms.FileField(label=_("File"))


class ResponseForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            (Invitation.Response.ACCEPTED, _("I will attend")),
            (Invitation.Response.DECLINED, _("I cannot attend")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ConclusionForm(forms.Form):
    text = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}))
    lead_unit = UnitCodeField(
        label=_("Suggested lead unit"), required=False, help_text=_("The code of a body, e.g. 22-SONV.")
    )
    due_date = forms.DateField(
        label=_("Suggested due date"), required=False, widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d")
    )


class FeedForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Feed of"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("My own items"),
        help_text=_("Your own feed follows you; a unit's feed shows what that unit owes and the meetings it attends."),
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False, help_text=_("For example: my phone."))

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
