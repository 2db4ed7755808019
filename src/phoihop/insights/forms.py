"""Forms of the review reports and urging letters: shape only; the services judge the meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phoihop.insights.models import ReviewReport
from phoihop.insights.report import check_period


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReviewReportGenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of review"), choices=ReviewReport.Kind.choices)
    date_from = forms.DateField(label=_("Period from"), widget=DateInput())
    date_to = forms.DateField(label=_("Period to"), widget=DateInput())
    issuing_unit = forms.ModelChoiceField(
        label=_("Issuing body"),
        queryset=None,
        help_text=_("The body whose number the report takes when issued."),
    )
    signer_name = forms.CharField(label=_("Signed by"), max_length=255, required=False)
    signer_title = forms.CharField(
        label=_("Title of the signer"), max_length=255, required=False, help_text=_('For example "Chủ tịch".')
    )

    def __init__(self, *args: Any, agreement: Any, issuers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.fields["issuing_unit"].queryset = issuers
        if not self.is_bound:
            self.initial.setdefault("date_from", agreement.effective_from)
            if agreement.effective_to:
                self.initial.setdefault("date_to", agreement.effective_to)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            for name, message in check_period(self.agreement, date_from, date_to):
                self.add_error(name, message)
        return data


class ReviewTextForm(forms.Form):
    results_text = forms.CharField(
        label=_("I. Results achieved: your own text (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed before the tables of section I; leave empty to print only the figures."),
    )
    shortcomings_text = forms.CharField(
        label=_("II. Shortcomings and limitations: your own text (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Replaces the list drawn from the data; leave empty to keep it."),
    )
    causes = forms.CharField(label=_("III. Causes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    directions = forms.CharField(
        label=_("IV. Directions and tasks"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    proposals = forms.CharField(label=_("V. Proposals"), required=False, widget=forms.Textarea(attrs={"rows": 6}))


class ReviewUploadForm(forms.Form):
    file = forms.FileField(label=_("DOCX file edited in Word"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("Upload the report as a .docx file."))
        return upload


class LetterDraftForm(forms.Form):
    issuing_unit = forms.ModelChoiceField(label=_("Issuing body"), queryset=None)
    signer_name = forms.CharField(label=_("Signed by"), max_length=255, required=False)
    signer_title = forms.CharField(label=_("Title of the signer"), max_length=255, required=False)

    def __init__(self, *args: Any, issuers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuing_unit"].queryset = issuers
