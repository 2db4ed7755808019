"""Forms of the agreements screens: they check shape (required, lengths, dates, a schedule
that can be written as an RFC 5545 rule); the services check meaning (a deadline before its
start, a schedule with no date in the agreement's period, an unknown area).

`schedule_rrule()` is the one place where the friendly schedule choices ("every 6 months",
"yearly on 17/10") become the RFC 5545 rule stored on the obligation; `schedule_from_rrule()`
reads a stored rule back into those choices for the edit form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phoihop.agreements.models import Agreement, AgreementFile, AgreementParty, Area, Event, Evidence, Obligation
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# Scanned agreements and their Word versions; anything else is refused beside the field.
DOCUMENT_EXTENSIONS = ["pdf", "docx", "doc", "odt"]
EVIDENCE_EXTENSIONS = [*DOCUMENT_EXTENSIONS, "xlsx", "xls", "ods", "jpg", "jpeg", "png"]
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    """A date typed as dd/mm/yyyy or picked in the browser's calendar (which sends yyyy-mm-dd)."""
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError beside the fields it names.

    Services name their own arguments ("rrule", "owing_units"); a form may show them under
    another field ("every"), and anything the form does not have goes on top of the form
    rather than raising (Django's add_error refuses unknown field names).
    """
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = field_map.get(key, key)
        if name not in form.fields:
            name = None
        for item in errors:
            form.add_error(name, item)


def _check_upload(upload: Any) -> Any:
    if upload and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            gettext("The file is larger than %(limit)s MB. Upload a smaller scan."),
            code="too_large",
            params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
    return upload


# Units ----------------------------------------------------------------------------------------------


class UnitCodeField(forms.CharField):
    """A unit typed by its code ("22-MTTQ"), with suggestions from a <datalist>.

    The organisation directory is public inside the system (core.views.search): anyone may
    name another unit as a party. A select of every body in a province would be hundreds of
    options on a phone; a code with suggestions stays short and works without JavaScript.
    """

    def __init__(self, *args: Any, datalist: str = "unit-codes", **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"list": datalist, "autocomplete": "off", "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Unit):
            return value.code
        return super().prepare_value(value)

    def clean(self, value: Any) -> Unit | None:
        code = super().clean(value)
        if not code:
            return None
        # The code may come with its name from the suggestion list: "22-MTTQ — Ủy ban MTTQ tỉnh".
        code = code.split(" ", 1)[0].strip()
        unit = Unit.objects.filter(code__iexact=code, valid_to__isnull=True).first()
        if unit is None or unit.is_territory:
            raise ValidationError(
                gettext("No open body has the code %(code)s. Pick one from the suggestions."),
                code="unknown_unit",
                params={"code": code},
            )
        return unit


def unit_suggestions(province_code: str = "") -> QuerySet[Unit]:
    """Open bodies (not territories) for the code suggestions, the person's province first."""
    units = Unit.objects.filter(valid_to__isnull=True).exclude(kind__in=Unit.TERRITORY_KINDS)
    if province_code:
        units = units.filter(province_code=province_code)
    return units.only("code", "name").order_by("path")


def acting_units(user: Any) -> QuerySet[Unit]:
    """Return the bodies a person may register agreements or events for.

    Each unit where the person is officer or above counts, with the bodies of the same
    territory below it (a commune admin registers for the commune's UBND or MTTQ; a provincial
    officer of the UBND for its departments), but not the bodies of the territories further
    down: a provincial officer does not register a commune's agreement. Territories themselves
    never sign. The service checks the role again; this only keeps the choice list honest.
    """
    reach = [r.path for r in access.reaches(user) if r.rank >= access.ROLE_RANK[Role.OFFICER]]
    if not reach and access.is_system_admin(user):
        reach = list(Unit.objects.filter(depth=1).values_list("path", flat=True))
    ids: list[int] = []
    for path in reach:
        depth = len(path) // Unit.steplen
        rows = list(
            Unit.objects.filter(path__startswith=path, depth__lte=depth + 2, valid_to__isnull=True).values_list(
                "pk", "path", "kind"
            )
        )
        below = [p for _, p, kind in rows if kind in Unit.TERRITORY_KINDS and p != path]
        ids += [
            pk for pk, p, kind in rows if kind not in Unit.TERRITORY_KINDS and not any(p.startswith(t) for t in below)
        ]
    return Unit.objects.filter(pk__in=ids).order_by("path")


# Schedules ------------------------------------------------------------------------------------------


EVERY_CHOICES = [
    ("weeks", _("every N weeks")),
    ("months", _("every N months")),
    ("quarters", _("every N quarters")),
    ("half_years", _("every N half-years")),
    ("years", _("every N years")),
    ("yearly_on", _("yearly on a date")),
    ("custom", _("another RFC 5545 rule")),
]
# Calendar periods (Decree 09/2019 counts reports by calendar quarter, half-year and year).
_CALENDAR = {
    "quarters": "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1",
    "half_years": "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
    "years": "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
}
_MONTHS_PER_STEP = {"months": 1, "quarters": 3, "half_years": 6, "years": 12}


def schedule_rrule(
    *, every: str, interval: int = 1, month: int | None = None, day: int | None = None, custom: str = ""
) -> str:
    """Return the RFC 5545 rule (without DTSTART) for a friendly schedule choice.

    Every rule starts its periods on the 1st of a month. RFC 5545 skips dates that do not
    exist, so "every 3 months" counted from an agreement signed on 30/11 would lose every
    February; anchoring on the 1st keeps every period. Quarters, half-years and years are
    the calendar ones Decree 09/2019 reports by:

    every 6 months     → FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1 (counted from the agreement's start)
    every quarter      → FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1
    every half-year    → FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1
    every 2 years      → FREQ=YEARLY;INTERVAL=2;BYMONTH=1;BYMONTHDAY=1
    yearly on 17/10    → FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17
    every 2 weeks      → FREQ=WEEKLY;INTERVAL=2

    Raises ValidationError keyed by the form field at fault.
    """
    if every == "custom":
        # Whether the rule parses and gives dates in the agreement's period is the service's check.
        rule = custom.strip().upper().removeprefix("RRULE:")
        if not rule:
            raise ValidationError({"custom_rrule": gettext("Write the rule, for example FREQ=MONTHLY;INTERVAL=6.")})
        return rule
    if every == "yearly_on":
        if not month or not day:
            raise ValidationError({"on_day": gettext("Give the day and the month.")})
        try:
            dt.date(2000, month, day)  # 2000 is a leap year: 29/02 is allowed
        except ValueError:
            raise ValidationError({"on_day": gettext("This day does not exist in that month.")}) from None
        return f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}"
    if every not in (*_MONTHS_PER_STEP, "weeks"):
        raise ValidationError({"every": gettext("Choose how often.")})
    if not interval or interval < 1:
        raise ValidationError({"interval": gettext("Give a whole number of 1 or more.")})
    if every == "weeks":
        return "FREQ=WEEKLY" if interval == 1 else f"FREQ=WEEKLY;INTERVAL={interval}"
    months = interval * _MONTHS_PER_STEP[every]
    for calendar in ("years", "half_years", "quarters"):
        if every != "months" and months == _MONTHS_PER_STEP[calendar]:
            return _CALENDAR[calendar]
    if every != "months" and months % 12 == 0:
        return f"FREQ=YEARLY;INTERVAL={months // 12};BYMONTH=1;BYMONTHDAY=1"
    if months == 1:
        return "FREQ=MONTHLY;BYMONTHDAY=1"
    return f"FREQ=MONTHLY;INTERVAL={months};BYMONTHDAY=1"


def schedule_from_rrule(rule: str) -> dict[str, Any]:
    """Read a stored rule back into the friendly choices; any other rule comes back as "custom".

    A choice is offered only when it writes exactly the stored rule again, so saving a duty
    whose title alone changed never re-plans its dates behind the person's back.
    """
    stored = (rule or "").strip().upper()
    parts = dict(chunk.split("=", 1) for chunk in stored.split(";") if "=" in chunk)
    interval = parts.get("INTERVAL", "1")
    candidates: list[dict[str, Any]] = []
    if interval.isdigit() and int(interval) >= 1:
        n = int(interval)
        candidates += [{"every": every, "interval": 1} for every in ("quarters", "half_years", "years")]
        candidates += [{"every": "years", "interval": n}, {"every": "months", "interval": n}]
        candidates += [{"every": "weeks", "interval": n}]
        if n % 3 == 0:
            candidates.append({"every": "quarters", "interval": n // 3})
    if parts.get("BYMONTH", "").isdigit() and parts.get("BYMONTHDAY", "").isdigit():
        candidates.append({"every": "yearly_on", "on_month": int(parts["BYMONTH"]), "on_day": int(parts["BYMONTHDAY"])})
    for choice in candidates:
        try:
            written = schedule_rrule(
                every=choice["every"],
                interval=choice.get("interval", 1),
                month=choice.get("on_month"),
                day=choice.get("on_day"),
            )
        except ValidationError:
            continue
        if written == stored:
            return choice
    return {"every": "custom", "custom_rrule": rule}


def describe_schedule(obligation: Obligation) -> str:
    """Say an obligation's schedule in words ("Every 6 months", "Every year on 17/10")."""
    if obligation.schedule_kind == Obligation.ScheduleKind.ONCE:
        return gettext("Once")
    if obligation.schedule_kind == Obligation.ScheduleKind.EVENT:
        return gettext("For each event: %(kind)s") % {"kind": obligation.get_event_kind_display()}
    parsed = schedule_from_rrule(obligation.rrule)
    every, n = parsed["every"], parsed.get("interval", 1)
    if every == "yearly_on":
        return gettext("Every year on %(day)02d/%(month)02d") % {"day": parsed["on_day"], "month": parsed["on_month"]}
    if every == "custom":
        return gettext("Rule %(rule)s") % {"rule": obligation.rrule}
    if n == 1:
        single = {
            "weeks": gettext("Every week"),
            "months": gettext("Every month"),
            "quarters": gettext("Every quarter"),
            "half_years": gettext("Every half-year"),
            "years": gettext("Every year"),
        }
        return single[every]
    several = {
        "weeks": gettext("Every %(n)s weeks"),
        "months": gettext("Every %(n)s months"),
        "quarters": gettext("Every %(n)s quarters"),
        "half_years": gettext("Every %(n)s half-years"),
        "years": gettext("Every %(n)s years"),
    }
    return several[every] % {"n": n}


def describe_deadline(obligation: Obligation) -> str:
    """Say an obligation's deadline rule in words ("10 working days after the period ends")."""
    rule, n, working = obligation.deadline_rule, obligation.deadline_days, obligation.deadline_working_days
    rules = Obligation.DeadlineRule
    if rule == rules.FIXED_DATE:
        if obligation.deadline_date is None:
            return gettext("On a fixed date")
        return gettext("On %(date)s") % {"date": obligation.deadline_date.strftime("%d/%m/%Y")}
    if rule == rules.DATE_OF_PREVIOUS_YEAR:
        if obligation.deadline_date is None:
            return gettext("By a date of the year before")
        return gettext("By %(day)s of the year before") % {"day": obligation.deadline_date.strftime("%d/%m")}
    if rule == rules.AFTER_PERIOD_END:
        if not n:
            return gettext("When the period ends")
        text = (
            gettext("%(n)s working days after the period ends")
            if working
            else gettext("%(n)s days after the period ends")
        )
    elif rule == rules.BEFORE_EVENT:
        if not n:
            return gettext("By the day of the event")
        text = gettext("%(n)s working days before the event") if working else gettext("%(n)s days before the event")
    else:
        if not n:
            return gettext("On the day of the event")
        text = gettext("%(n)s working days after the event") if working else gettext("%(n)s days after the event")
    return text % {"n": n}


# Agreements -----------------------------------------------------------------------------------------


class AgreementFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All levels")), ("province", _("Province")), ("commune", _("Commune"))],
    )
    party = forms.CharField(
        label=_("Party"), required=False, max_length=100, help_text=_("A unit's code or part of its name.")
    )
    party.widget.attrs.update({"list": "unit-codes", "autocomplete": "off"})
    area = forms.ModelChoiceField(label=_("Content area"), required=False, queryset=Area.objects.none())
    status = forms.ChoiceField(label=_("Status"), required=False)
    year = forms.IntegerField(label=_("In force in"), required=False, min_value=1990, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *Agreement.Kind.choices]
        self.fields["status"].choices = [("", _("All statuses")), *Agreement.Status.choices]
        self.fields["area"].queryset = Area.objects.all()
        self.fields["area"].empty_label = _("All areas")
        self.fields["year"].widget.attrs["inputmode"] = "numeric"

    def clean_party(self) -> Unit | None:
        """Find the one open body the person means, by code or by part of its name."""
        text = (self.cleaned_data.get("party") or "").strip()
        if not text:
            return None
        bodies = Unit.objects.filter(valid_to__isnull=True).exclude(kind__in=Unit.TERRITORY_KINDS)
        by_code = bodies.filter(code__iexact=text.split(" ", 1)[0]).first()
        if by_code is not None:
            return by_code
        found = list(bodies.filter(name__icontains=text)[:2])
        if not found:
            raise ValidationError(gettext("No unit has this code or name."), code="unknown_unit")
        if len(found) > 1:
            raise ValidationError(
                gettext("Several units match; type more of the name or pick one from the suggestions."),
                code="ambiguous_unit",
            )
        return found[0]

    def selector_kwargs(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(),
            "kind": data["kind"],
            "level": data["level"],
            "party": data["party"] or "",
            "area": data["area"].code if data["area"] else "",
            "status": data["status"],
            "year": data["year"],
        }


class AgreementForm(forms.ModelForm):
    """The agreement's own facts. On create it also asks for the owner unit."""

    owner_unit = forms.ModelChoiceField(
        label=_("Registered by"),
        queryset=Unit.objects.none(),
        help_text=_("The unit that keeps this record up to date."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(Agreement.Status.IN_FORCE, _("In force (signed)")), (Agreement.Status.DRAFT, _("Draft"))],
        initial=Agreement.Status.IN_FORCE,
        help_text=_("A draft is seen only by the unit that registers it."),
    )
    signed_on = date_field(_("Signed on"), required=False)
    effective_from = date_field(_("Effective from"))
    effective_to = date_field(_("Effective until"), required=False, help_text=_("Leave empty when open-ended."))
    areas = forms.ModelMultipleChoiceField(
        label=_("Content areas"), required=False, queryset=Area.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    parent = forms.ModelChoiceField(
        label=_("Implements"),
        required=False,
        queryset=Agreement.objects.none(),
        help_text=_("The regulation this programme or plan carries out, if any."),
    )

    class Meta:
        model = Agreement
        fields = [
            "owner_unit",
            "status",
            "kind",
            "number",
            "title",
            "summary",
            "signed_on",
            "signed_place",
            "effective_from",
            "effective_to",
            "areas",
            "parent",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(
        self, *args: Any, owner_units: QuerySet[Unit] | None = None, parents: QuerySet[Agreement], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if owner_units is None:
            # Editing: the owner stays; the status has its own screen (agreement_set_status).
            del self.fields["owner_unit"]
            del self.fields["status"]
        else:
            self.fields["owner_unit"].queryset = owner_units
            # The first in tree order is the person's own body (before the ones below it).
            self.fields["owner_unit"].initial = owner_units.first()
        active = Area.objects.filter(is_active=True)
        if self.instance.pk:
            # An area switched off later stays on the agreements that already had it.
            active = active | Area.objects.filter(agreements=self.instance)
        self.fields["areas"].queryset = active.distinct().order_by("order", "name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.order_by("-effective_from", "number")

    def _post_clean(self) -> None:
        # The service validates and saves; the model's own full_clean would say the same things
        # in other words, before the service could, and owner_unit is not always a form field.
        pass

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["areas"] = list(data.get("areas") or [])
        for key in ("summary", "signed_place"):
            data[key] = data.get(key) or ""
        return data


class PartyForm(forms.Form):
    unit = UnitCodeField(label=_("Unit (code)"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=AgreementParty.Role.choices, initial=AgreementParty.Role.SIGNATORY
    )
    focal_unit = UnitCodeField(
        label=_("Focal unit (code)"),
        required=False,
        help_text=_("The office that follows this agreement for the party, for example its Office."),
    )

    def __init__(self, *args: Any, unit_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = unit_required

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("focal_unit") and not data.get("unit"):
            self.add_error("unit", gettext("Give the party's unit for this focal unit."))
        return data

    def as_party(self) -> tuple[Unit, str, Unit | None] | None:
        unit = self.cleaned_data.get("unit")
        if unit is None:
            return None
        return unit, self.cleaned_data["role"], self.cleaned_data.get("focal_unit")


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        # A unit listed twice is the service's check; an agreement with nobody is the form's.
        if not any(self.errors) and not self.parties():
            raise ValidationError(gettext("Give at least one party."), code="no_party")

    def parties(self) -> list[tuple[Unit, str, Unit | None]]:
        return [party for form in self.forms if (party := form.as_party()) is not None]


PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=0, min_num=4, max_num=30)


class AgreementStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Agreement.Status.choices)
    replaced_by = forms.ModelChoiceField(
        label=_("Replaced by"),
        required=False,
        queryset=Agreement.objects.none(),
        help_text=_("Only when the new status is Replaced."),
    )

    def __init__(self, *args: Any, agreement: Agreement, candidates: QuerySet[Agreement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = agreement.status
        self.fields["replaced_by"].queryset = candidates.exclude(pk=agreement.pk).order_by("-effective_from")


class AgreementFileForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementFile.Kind.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=255)
    file = forms.FileField(
        label=_("File"),
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), _check_upload],
        help_text=_("PDF, DOCX, DOC or ODT, up to 25 MB."),
    )


class AmendmentForm(forms.Form):
    date = date_field(_("Date"))
    number = forms.CharField(label=_("Number and symbol"), required=False, max_length=64)
    summary = forms.CharField(label=_("What changed"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(
        label=_("File"),
        required=False,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), _check_upload],
        help_text=_("PDF, DOCX, DOC or ODT, up to 25 MB."),
    )


# Obligations ----------------------------------------------------------------------------------------


class UnitCheckboxes(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class ObligationForm(forms.Form):
    """A clause as a duty: who owes what to whom, on which schedule, by which deadline."""

    article_ref = forms.CharField(
        label=_("Article"), required=False, max_length=64, help_text=_('For example "Điều 5, khoản 2".')
    )
    title = forms.CharField(label=_("Duty"), max_length=255)
    text = forms.CharField(label=_("Text of the clause"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owing_units = UnitCheckboxes(label=_("Owed by"), queryset=Unit.objects.none())
    receiving_units = UnitCheckboxes(label=_("Owed to"), queryset=Unit.objects.none(), required=False)
    area = forms.ModelChoiceField(label=_("Content area"), queryset=Area.objects.none())
    schedule_kind = forms.ChoiceField(
        label=_("Schedule"),
        choices=Obligation.ScheduleKind.choices,
        widget=forms.RadioSelect,
        initial=Obligation.ScheduleKind.RECURRING,
    )
    every = forms.ChoiceField(label=_("How often"), choices=EVERY_CHOICES, initial="months", required=False)
    # No min_value: a left-over 0 must not block a one-off duty; schedule_rrule() checks it when used.
    interval = forms.IntegerField(label=_("N"), max_value=120, initial=6, required=False)
    on_day = forms.IntegerField(label=_("Day"), min_value=1, max_value=31, required=False)
    on_month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12, required=False)
    custom_rrule = forms.CharField(
        label=_("RFC 5545 rule"),
        required=False,
        max_length=255,
        help_text=_("For example FREQ=WEEKLY;BYDAY=MO. Only with “another RFC 5545 rule”."),
    )
    event_kind = forms.ChoiceField(label=_("Event kind"), required=False)
    deadline_rule = forms.ChoiceField(label=_("Deadline"), choices=Obligation.DeadlineRule.choices)
    deadline_days = forms.IntegerField(
        label=_("Number of days"), min_value=0, max_value=3650, initial=0, required=False
    )
    deadline_working_days = forms.BooleanField(label=_("Count working days only"), required=False)
    deadline_date = date_field(
        _("Deadline date"),
        required=False,
        help_text=_("For a fixed date; for “by a date of the year before” only its day and month count."),
    )
    evidence_kinds = forms.MultipleChoiceField(
        label=_("Accepted evidence"),
        choices=Evidence.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["note", "file"],
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], obligation: Obligation | None = None, **kwargs: Any) -> None:
        if obligation is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(obligation)
        super().__init__(*args, **kwargs)
        self.fields["owing_units"].queryset = units
        self.fields["receiving_units"].queryset = units
        areas = Area.objects.filter(is_active=True)
        if obligation is not None:
            areas = areas | Area.objects.filter(pk=obligation.area_id)
        self.fields["area"].queryset = areas.distinct().order_by("order", "name")
        self.fields["event_kind"].choices = [("", "—"), *Event.Kind.choices]
        for name in ("interval", "on_day", "on_month", "deadline_days"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    @staticmethod
    def initial_for(obligation: Obligation) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "article_ref": obligation.article_ref,
            "title": obligation.title,
            "text": obligation.text,
            "owing_units": list(obligation.owing_units.all()),
            "receiving_units": list(obligation.receiving_units.all()),
            "area": obligation.area_id,
            "schedule_kind": obligation.schedule_kind,
            "event_kind": obligation.event_kind,
            "deadline_rule": obligation.deadline_rule,
            "deadline_days": obligation.deadline_days,
            "deadline_working_days": obligation.deadline_working_days,
            "deadline_date": obligation.deadline_date,
            "evidence_kinds": list(obligation.evidence_kinds or []),
        }
        if obligation.rrule:
            initial.update(schedule_from_rrule(obligation.rrule))
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("schedule_kind")
        data["rrule"] = ""
        if kind == Obligation.ScheduleKind.RECURRING:
            try:
                data["rrule"] = schedule_rrule(
                    every=data.get("every") or "",
                    interval=data.get("interval") or 0,
                    month=data.get("on_month"),
                    day=data.get("on_day"),
                    custom=data.get("custom_rrule") or "",
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return data

    def error_fields(self) -> dict[str, str]:
        """Where a service error about the rule shows: beside the custom rule, or beside "how often"."""
        custom = self.cleaned_data.get("every") == "custom"
        return {"rrule": "custom_rrule" if custom else "every"}

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "article_ref": data["article_ref"],
            "title": data["title"],
            "text": data["text"],
            "owing_units": list(data["owing_units"]),
            "receiving_units": list(data["receiving_units"]),
            "area": data["area"],
            "schedule_kind": data["schedule_kind"],
            "rrule": data["rrule"],
            "event_kind": data["event_kind"],
            "deadline_rule": data["deadline_rule"],
            "deadline_days": data.get("deadline_days") or 0,
            "deadline_working_days": data["deadline_working_days"],
            "deadline_date": data.get("deadline_date"),
            "evidence_kinds": tuple(data["evidence_kinds"]),
        }


# Occurrences ----------------------------------------------------------------------------------------


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=Evidence.Kind.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(
        label=_("File"),
        required=False,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS), _check_upload],
        help_text=_("PDF, Word, spreadsheet or picture, up to 25 MB."),
    )
    linked_record = forms.CharField(
        label=_("Linked record"),
        required=False,
        max_length=64,
        help_text=_("A task or report submission, for example tasks.task:12."),
    )

    def __init__(self, *args: Any, kinds: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(kinds) or set(Evidence.Kind.values)
        self.fields["kind"].choices = [(value, label) for value, label in Evidence.Kind.choices if value in allowed]


class CompleteForm(forms.Form):
    completed_on = date_field(_("Completed on"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Becomes the evidence when none was added yet."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].initial = timezone.localdate()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


# Events, areas, coverage ----------------------------------------------------------------------------


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=255)
    host_unit = forms.ModelChoiceField(label=_("Host"), queryset=Unit.objects.none())
    starts_on = date_field(_("Starts on"))
    ends_on = date_field(_("Ends on"), required=False)
    place = forms.CharField(label=_("Place"), required=False, max_length=255)

    def __init__(self, *args: Any, hosts: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = hosts


class EventFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *Event.Kind.choices]


class AreaForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64, help_text=_("Letters, digits and hyphens."))
    name = forms.CharField(label=_("Name"), max_length=255)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, area: Area | None = None, **kwargs: Any) -> None:
        if area is not None:
            kwargs.setdefault(
                "initial", {"code": area.code, "name": area.name, "order": area.order, "is_active": area.is_active}
            )
        super().__init__(*args, **kwargs)
        if area is not None:
            # Records and imports name areas by code: it never changes once given.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot be changed.")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.fields["code"].disabled:
            data.pop("code")
        return data


class CoverageForm(forms.Form):
    level = forms.ModelChoiceField(label=_("Level"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, levels: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Provinces first, then communes by name, as the view lists them.
        self.fields["level"].queryset = levels.order_by("depth", "name")
        self.fields["level"].empty_label = None


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m", "%m/%Y"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
