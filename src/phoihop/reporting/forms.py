"""Forms of the reporting screens: shape only (required, lengths, choices, file layout).

What a value means — is 12.5 a valid whole number, does a rule parse, may this unit report
this period — is decided by `reporting.services`; views show a service's ValidationError
beside the field it names (`orgs.forms.add_service_errors`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phoihop.agreements.models import Area, Obligation
from phoihop.calendar.periods import Period, PeriodType, parse_period
from phoihop.orgs.forms import UnitChoiceField, UnitMultipleChoiceField
from phoihop.orgs.models import Unit
from phoihop.reporting.models import Aggregation, Indicator, ReportForm, ValidationRule, ValueType

# Bodies that report, and the territories they sit in ("people's committees in communes").
BODY_KINDS = [(k.value, k.label) for k in Unit.Kind if k not in Unit.TERRITORY_KINDS]
TERRITORY_KINDS = [(k.value, k.label) for k in Unit.Kind if k in Unit.TERRITORY_KINDS]

# An upload of a filled template larger than this is not a form's worth of figures.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checks"})


# --- indicators ---------------------------------------------------------------------------------


def parse_code_names(text: str) -> list[dict[str, str]]:
    """Read "code = name" lines (one option each) into [{"code": …, "name": …}].

    A line without "=" uses the text as both code and name, which is what people type for
    short lists ("Có", "Không").
    """
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, sep, name = line.partition("=")
        code, name = code.strip(), (name.strip() if sep else code.strip())
        if not code or not name:
            raise ValidationError(
                gettext("Line %(line)s: write the option as “code = name”.") % {"line": number}, code="format"
            )
        if code in seen:
            raise ValidationError(
                gettext("Line %(line)s: the code “%(code)s” is already in the list.") % {"line": number, "code": code},
                code="duplicate",
            )
        seen.add(code)
        items.append({"code": code, "name": name})
    return items


def format_code_names(items: Iterable[dict[str, Any]] | None) -> str:
    return "\n".join(f"{item.get('code', '')} = {item.get('name', '')}" for item in items or [])


class IndicatorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Letters, digits and underscores, unique, e.g. GUH_STARTED. Imports and exports use it."),
    )
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    value_type = forms.ChoiceField(label=_("Value type"), choices=ValueType.choices, initial=ValueType.INTEGER)
    options = forms.CharField(
        label=_("Options (for “one of a list”)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: code = name, e.g. “yes = Có”."),
    )
    unit_of_measure = forms.CharField(
        label=_("Unit of measure"), max_length=64, required=False, help_text=_("e.g. households, people, %")
    )
    aggregation = forms.ChoiceField(
        label=_("Aggregation over units"),
        choices=Aggregation.choices,
        initial=Aggregation.SUM,
        help_text=_("How the figures of communes add up to the province."),
    )
    period_aggregation = forms.ChoiceField(
        label=_("Aggregation over periods"),
        choices=Aggregation.choices,
        initial=Aggregation.SUM,
        help_text=_("How three months make a quarter: a count of the period adds up; a stock takes the last value."),
    )
    area = forms.ModelChoiceField(label=_("Content area"), queryset=Area.objects.none(), required=False)
    disaggregation = forms.CharField(
        label=_("Disaggregation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional, one option per line: code = name, e.g. “men = Nam” and “women = Nữ”. The total is their sum."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(is_active=True)

    def clean_options(self) -> list[dict[str, str]]:
        return parse_code_names(self.cleaned_data["options"])

    def clean_disaggregation(self) -> list[dict[str, str]]:
        return parse_code_names(self.cleaned_data["disaggregation"])

    @staticmethod
    def initial_from(indicator: Indicator) -> dict[str, Any]:
        return {
            "code": indicator.code,
            "name": indicator.name,
            "short_name": indicator.short_name,
            "description": indicator.description,
            "value_type": indicator.value_type,
            "options": format_code_names(indicator.options),
            "unit_of_measure": indicator.unit_of_measure,
            "aggregation": indicator.aggregation,
            "period_aggregation": indicator.period_aggregation,
            "area": indicator.area_id,
            "disaggregation": format_code_names(indicator.disaggregation),
        }


class IndicatorSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by code or name"), required=False, max_length=100)


# --- report forms -------------------------------------------------------------------------------


class ObligationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Obligation) -> str:
        return f"{obj.agreement.number} · {obj}" if getattr(obj.agreement, "number", "") else str(obj)


class ReportFormForm(forms.Form):
    """The form's own settings; sections, fields and rules are added on its page."""

    owner_unit = UnitChoiceField(
        label=_("Designed by"),
        queryset=Unit.objects.none(),
        help_text=_("The unit whose officers maintain this form."),
    )
    code = forms.CharField(label=_("Code"), max_length=64, help_text=_("Unique, e.g. QC194_QUARTERLY."))
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    period_type = forms.ChoiceField(label=_("Period"), choices=PeriodType.choices)
    deadline_working_days = forms.IntegerField(
        label=_("Deadline: working days after the data cut-off"),
        min_value=0,
        max_value=60,
        initial=2,
        help_text=_("Decree 09/2019: data cut-off on the 14th; deadline set per form."),
    )
    assigned_unit_kinds = forms.MultipleChoiceField(
        label=_("Units that report: bodies of these kinds"),
        choices=BODY_KINDS,
        required=False,
        widget=_checkboxes(),
    )
    assigned_territory_kinds = forms.MultipleChoiceField(
        label=_("… within territories of these kinds"),
        choices=TERRITORY_KINDS,
        required=False,
        widget=_checkboxes(),
        help_text=_("e.g. People's Committees within communes. Leave empty for every level."),
    )
    assigned_units = UnitMultipleChoiceField(
        label=_("And these units, picked one by one"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    approval_required = forms.BooleanField(
        label=_("The unit's leader approves the report"), required=False, initial=True
    )
    acceptance_required = forms.BooleanField(label=_("The level above accepts it after approval"), required=False)
    obligation = ObligationChoiceField(
        label=_("Fulfils the duty"),
        queryset=Obligation.objects.none(),
        required=False,
        help_text=_("An approved report completes this duty of a coordination agreement, with the report as evidence."),
    )

    def __init__(
        self,
        *args: Any,
        owner_units: QuerySet[Unit] | None,
        assignable_units: QuerySet[Unit],
        obligations: QuerySet[Obligation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if owner_units is None:
            # Editing: the owner stays; moving a form to another unit is not a designer's edit.
            del self.fields["owner_unit"]
        else:
            self.fields["owner_unit"].queryset = owner_units
        self.fields["assigned_units"].queryset = assignable_units
        self.fields["obligation"].queryset = obligations.select_related("agreement")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("acceptance_required") and not data.get("approval_required"):
            self.add_error(
                "acceptance_required", gettext("The level above accepts an approved report: ask for approval too.")
            )
        return data

    @staticmethod
    def initial_from(form: ReportForm) -> dict[str, Any]:
        return {
            "code": form.code,
            "name": form.name,
            "description": form.description,
            "period_type": form.period_type,
            "deadline_working_days": form.deadline_working_days,
            "assigned_unit_kinds": form.assigned_unit_kinds,
            "assigned_territory_kinds": form.assigned_territory_kinds,
            "assigned_units": [u.pk for u in form.assigned_units.all()],
            "approval_required": form.approval_required,
            "acceptance_required": form.acceptance_required,
            "obligation": form.obligation_id,
        }


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=255)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0, required=False)

    def clean_order(self) -> int:
        return self.cleaned_data.get("order") or 0


class FieldForm(forms.Form):
    """Add an indicator to a section. The indicator is typed or picked by code from a search list."""

    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    indicator = forms.CharField(
        label=_("Indicator"),
        max_length=64,
        help_text=_("Type a code or part of a name and pick from the list."),
        widget=forms.TextInput(attrs={"list": "indicator-choices", "autocomplete": "off"}),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    min_value = forms.DecimalField(label=_("Minimum"), required=False, max_digits=20, decimal_places=4)
    max_value = forms.DecimalField(label=_("Maximum"), required=False, max_digits=20, decimal_places=4)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)

    def __init__(self, *args: Any, sections: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s.pk, s.title) for s in sections]

    def clean_indicator(self) -> Indicator:
        text = self.cleaned_data["indicator"].strip()
        # The datalist shows "CODE — name"; people may also type the bare code.
        code = text.split(" — ", 1)[0].strip()
        indicator = Indicator.objects.filter(code__iexact=code, is_active=True).first()
        if indicator is None:
            raise ValidationError(gettext("No indicator in use has the code “%(code)s”.") % {"code": code})
        return indicator

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", gettext("The maximum is below the minimum."))
        data["order"] = data.get("order") or 0
        return data


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    left = forms.CharField(
        label=_("Left side"),
        max_length=255,
        help_text=_("Indicator codes and numbers joined by + and -, e.g. GUH_HANDED."),
    )
    operator = forms.ChoiceField(label=_("Operator"), choices=ValidationRule.Operator.choices)
    right = forms.CharField(label=_("Right side"), max_length=255, help_text=_("e.g. GUH_STARTED + 2"))
    severity = forms.ChoiceField(label=_("Severity"), choices=ValidationRule.Severity.choices)
    message = forms.CharField(
        label=_("Message shown to the person entering"),
        max_length=255,
        help_text=_("Say what is wrong and how to fix it."),
    )


# --- submissions --------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), strip=True)


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(label=_("Attach a file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("text") and not data.get("file"):
            raise ValidationError(gettext("Write a comment or attach a file."))
        return data


class SubmitForm(forms.Form):
    """One comment box per warning the checks raised: each warning needs a word of explanation."""

    def __init__(self, *args: Any, warnings: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for warning in warnings:
            key = warning_key(warning)
            self.fields[f"warning_{key}"] = forms.CharField(
                label=warning.message,
                max_length=1000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Explain why this figure is right."),
            )

    def warning_comments(self) -> dict[str, str]:
        return {
            name.removeprefix("warning_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("warning_") and value
        }


def warning_key(warning: Any) -> str:
    """The key a warning's comment is stored under: its rule's id (Submission.warning_comments)."""
    return str(warning.rule_id)


@dataclass(frozen=True)
class UploadRow:
    row: int  # the spreadsheet's row number, as the person sees it
    code: str
    category: str
    value: str


TEMPLATE_HEADER = ("code", "name", "category", "value")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets store 12 as 12.0: give back what the person typed.
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


class XlsxUploadForm(forms.Form):
    """A filled template: one sheet, columns code, name, category, value, a header on row 1.

    Reads the rows and checks the layout here; the values themselves are checked by the
    service (type, min/max) in one transaction with the write.
    """

    file = forms.FileField(label=_("Filled template (.xlsx)"))

    def clean_file(self) -> list[UploadRow]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(gettext("The file is larger than 5 MB; a form's figures fit in far less."))
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(gettext("Upload the template as an .xlsx file."))
        import openpyxl  # imported here: only this upload needs it

        try:
            book = openpyxl.load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ValidationError(gettext("This file cannot be read as an Excel workbook.")) from exc
        sheet = book.worksheets[0]
        rows: list[UploadRow] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(cells) + (None,) * (4 - len(cells))
            if number == 1:
                header = tuple(_cell_text(c).lower() for c in cells[:4])
                if header != TEMPLATE_HEADER:
                    raise ValidationError(
                        gettext("Row 1 must hold the template's headings: %(headings)s.")
                        % {"headings": ", ".join(TEMPLATE_HEADER)}
                    )
                continue
            code, _name, category, value = (_cell_text(c) for c in cells[:4])
            if not code and not value:
                continue
            rows.append(UploadRow(row=number, code=code, category=category, value=value))
        book.close()
        if not rows:
            raise ValidationError(gettext("The file holds no figures below the headings."))
        return rows


# --- rates and pivot ----------------------------------------------------------------------------


class PeriodField(forms.CharField):
    """A period id typed as people write it ("2026Q1", "2026-03"), cleaned to a Period."""

    def clean(self, value: Any) -> Period | None:  # type: ignore[override]  # a Period, not text
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class RatesForm(forms.Form):
    form = forms.ModelChoiceField(label=_("Report form"), queryset=ReportForm.objects.none())
    period = PeriodField(
        label=_("Period"),
        max_length=16,
        help_text=_("e.g. 2026Q1, 202603, 2026S1, 2026"),
        widget=forms.TextInput(attrs={"list": "period-choices", "autocomplete": "off"}),
    )
    unit = UnitChoiceField(label=_("Unit and the units within it"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = ReportForm.objects.filter(is_active=True)
        self.fields["unit"].queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        form, period = data.get("form"), data.get("period")
        if form is not None and period is not None and period.type != form.period_type:
            self.add_error(
                "period",
                gettext("This form is reported %(type)s; choose a period of that kind.")
                % {"type": form.get_period_type_display().lower()},
            )
        return data


class PivotForm(forms.Form):
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators"),
        queryset=Indicator.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    children = forms.BooleanField(label=_("Show the units within it, one column each"), required=False, initial=True)
    periods = forms.CharField(
        label=_("Periods"),
        max_length=400,
        help_text=_("Period ids separated by spaces or commas, e.g. 2026Q1 2026Q2, or 202601 202602 202603."),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.filter(is_active=True)
        self.fields["unit"].queryset = units

    def clean_periods(self) -> list[Period]:
        ids = self.cleaned_data["periods"].replace(",", " ").split()
        periods: list[Period] = []
        for text in ids:
            try:
                period = parse_period(text)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            if period not in periods:
                periods.append(period)
        if not periods:
            raise ValidationError(gettext("Name at least one period."))
        if len(periods) > 36:
            raise ValidationError(gettext("Choose at most 36 periods."))
        return periods
