"""Forms check the shape of input (required, dates); the services check the meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phoihop.criticism.models import Critique, CritiqueForm, DraftKind, DraftSection, Expert
from phoihop.criticism.permissions import front_units_for
from phoihop.orgs.models import Unit, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def bodies() -> Any:
    """Open bodies (not territories): the agencies and organisations a critique can name."""
    return Unit.objects.filter(valid_to__isnull=True).exclude(kind__in=Unit.TERRITORY_KINDS).order_by("path")


class CritiqueCreateForm(forms.Form):
    front_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Front committee"))
    drafting_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Drafting agency"))
    title = forms.CharField(label=_("Title of the draft"), max_length=500)
    draft_kind = forms.ChoiceField(label=_("Kind of draft"), choices=DraftKind.choices)
    form = forms.ChoiceField(label=_("Form of criticism"), choices=CritiqueForm.choices)
    opinions_due = forms.DateField(
        label=_("Opinions due"),
        widget=DateInput(),
        error_messages={"invalid": _("Enter the deadline for opinions as a date.")},
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["front_unit"].queryset = front_units_for(user)
        self.fields["drafting_unit"].queryset = bodies()


class InviteForm(forms.Form):
    units = forms.ModelMultipleChoiceField(queryset=Unit.objects.none(), label=_("Organisations to invite"))

    def __init__(self, *args: Any, critique: Critique, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = bodies().exclude(pk__in=[critique.front_unit_id, critique.drafting_unit_id])


class ExpertForm(forms.ModelForm):
    username = forms.CharField(
        label=_("User name in phoihop"),
        required=False,
        help_text=_("Only when the expert gives opinions in phoihop themselves."),
    )

    class Meta:
        model = Expert
        fields = ["name", "title", "organisation"]

    def clean_username(self) -> Any:
        username = self.cleaned_data.get("username", "").strip()
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active account has this user name."))
        return user


class VersionForm(forms.Form):
    received_on = forms.DateField(
        label=_("Received on"), widget=DateInput(), error_messages={"invalid": _("Enter the date as a date.")}
    )
    text = forms.CharField(
        label=_("Text of the draft"),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text=_("Paste the text: a line starting with “Điều”, “Chương”, “Mục” or a number starts a new section."),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(label=_("File"), required=False)


class OpinionForm(forms.Form):
    author = forms.ChoiceField(label=_("On behalf of"))
    section = forms.ChoiceField(label=_("Section"), required=False)
    text = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(
        self, *args: Any, units: list[Unit], experts: list[Expert], sections: list[DraftSection], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"u:{u.pk}", u.name) for u in units] + [(f"e:{e.pk}", e.name) for e in experts]
        self.fields["author"].choices = choices
        self.fields["section"].choices = [("", _("The draft as a whole"))] + [(str(s.pk), str(s)) for s in sections]
        self._units = {u.pk: u for u in units}
        self._experts = {e.pk: e for e in experts}
        self._sections = {s.pk: s for s in sections}

    def cleaned_author(self) -> dict[str, Any]:
        kind, _sep, pk = self.cleaned_data["author"].partition(":")
        if kind == "u":
            return {"author_unit": self._units[int(pk)], "expert": None}
        return {"author_unit": None, "expert": self._experts[int(pk)]}

    def cleaned_section(self) -> DraftSection | None:
        value = self.cleaned_data.get("section")
        return self._sections.get(int(value)) if value else None


class IssueForm(forms.Form):
    on_date = forms.DateField(
        label=_("Date of the critique document"),
        widget=DateInput(),
        error_messages={"invalid": _("Enter the date of issue as a date.")},
    )
