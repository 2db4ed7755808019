"""Forms check shape (required, dates, choices); the services check meaning (deadlines, states, who)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit, User
from phoihop.oversight.models import Activity, Assessment, Form, ProgrammeItem, TeamMember

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's errors beside the fields they name (others above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def front_units_for(user: Any) -> QuerySet[Unit]:
    """Front committees where the person may act (officer or above)."""
    return (
        access.units_visible(user, min_role=Role.OFFICER)
        .filter(kind=Unit.Kind.FRONT_COMMITTEE, valid_to__isnull=True)
        .order_by("path")
    )


def agencies_near(front_unit: Unit | None) -> QuerySet[Unit]:
    """Bodies a Front may supervise or address: the open bodies of its province (not territories)."""
    queryset = Unit.objects.filter(valid_to__isnull=True).exclude(kind__in=Unit.TERRITORY_KINDS)
    if front_unit is not None and front_unit.province_code:
        queryset = queryset.filter(province_code=front_unit.province_code)
    return queryset.order_by("path")


class ProgrammeForm(forms.Form):
    front_unit = forms.ModelChoiceField(label=_("Front committee"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=255)
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    issued = forms.BooleanField(label=_("Already issued"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["front_unit"].queryset = front_units_for(user)


class ProgrammeItemForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=255)
    subjects = forms.ModelMultipleChoiceField(label=_("Supervised agencies"), queryset=Unit.objects.none())
    planned_quarter = forms.TypedChoiceField(
        label=_("Planned quarter"), choices=[(q, q) for q in (1, 2, 3, 4)], coerce=int
    )
    form = forms.ChoiceField(label=_("Form"), choices=Form.choices)

    def __init__(self, *args: Any, front_unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = agencies_near(front_unit)


class SupervisionForm(forms.Form):
    front_unit = forms.ModelChoiceField(label=_("Front committee"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=255)
    form = forms.ChoiceField(label=_("Form"), choices=Form.choices)
    subjects = forms.ModelMultipleChoiceField(label=_("Supervised agencies"), queryset=Unit.objects.none())
    starts_on = forms.DateField(label=_("Start date"), widget=DATE)
    ends_on = forms.DateField(label=_("End date"), widget=DATE)
    content = forms.CharField(
        label=_("Content of the supervision"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    programme_item = forms.ModelChoiceField(
        label=_("Programme item"), queryset=ProgrammeItem.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, front_unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fronts = front_units_for(user)
        self.fields["front_unit"].queryset = fronts
        chosen = front_unit or fronts.first()
        self.fields["subjects"].queryset = agencies_near(chosen)
        self.fields["programme_item"].queryset = ProgrammeItem.objects.filter(
            programme__front_unit__in=fronts
        ).select_related("programme")
        if front_unit is not None:
            # The Front of an existing supervision does not change.
            del self.fields["front_unit"]


class TeamMemberForm(forms.Form):
    prefix = "team"  # several forms share a page: distinct ids and field names
    user = forms.ModelChoiceField(label=_("Team member"), queryset=User.objects.none())
    unit = forms.ModelChoiceField(label=_("Organisation"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role in the team"), choices=TeamMember.Role.choices)

    def __init__(self, *args: Any, front_unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Members come from the Front and its member organisations of the same province.
        units = Unit.objects.filter(
            province_code=front_unit.province_code,
            kind__in=[Unit.Kind.FRONT_COMMITTEE, Unit.Kind.MASS_ORG],
            valid_to__isnull=True,
        )
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, memberships__unit__in=units, memberships__ended_on__isnull=True)
            .distinct()
            .order_by("full_name", "username")
        )


class ActivityForm(forms.Form):
    prefix = "activity"
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("File"), required=False)


class FindingForm(forms.Form):
    prefix = "finding"
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}))


class NoticeForm(forms.Form):
    prefix = "notice"
    on_date = forms.DateField(label=_("Sent on"), widget=DATE)
    override_reason = forms.CharField(
        label=_("Reason for sending later than the notice period (leaders only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ConcludeForm(forms.Form):
    prefix = "conclude"
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 5}))
    on_date = forms.DateField(label=_("Date of the conclusion report"), widget=DATE)


class DateForm(forms.Form):
    prefix = "send"
    on_date = forms.DateField(label=_("Date"), widget=DATE)


class RecommendationForm(forms.Form):
    prefix = "recommendation"
    addressee = forms.ModelChoiceField(
        label=_("Addressed to"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("Choose the agency the recommendation is addressed to.")},
    )
    text = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, front_unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["addressee"].queryset = agencies_near(front_unit)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("File"), required=False)
    on_date = forms.DateField(label=_("Answered on"), widget=DATE)


class AssessForm(forms.Form):
    prefix = "assess"
    assessment = forms.ChoiceField(label=_("Assessment"), choices=Assessment.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class FollowUpForm(forms.Form):
    prefix = "follow_up"
    text = forms.CharField(label=_("Follow-up action"), widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("Due date"), widget=DATE, required=False)


class ResuperviseForm(forms.Form):
    prefix = "resupervise"
    title = forms.CharField(label=_("Title"), max_length=255)
    starts_on = forms.DateField(label=_("Start date"), widget=DATE)
    ends_on = forms.DateField(label=_("End date"), widget=DATE)


class ReasonForm(forms.Form):
    prefix = "withdraw"
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FiguresForm(forms.Form):
    date_from = forms.DateField(label=_("Deadlines from"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("Deadlines to"), widget=DATE, required=False)
