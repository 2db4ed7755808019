"""Every change of state of indicators, report forms and submissions.

Keyword-only, the acting person first; each validates meaning, writes in one transaction and
records an audit event in it (one per change of state, with the status before and after for
submissions). Bad input raises Django's ValidationError keyed by field; values of a report are
keyed by `field_key(code, category)` ("PEOPLE_REACHED", "PEOPLE_REACHED__women"), rules by
"rule_<id>", warnings waiting for a comment by "warning_<id>". Who may call what is decided by
permissions.py before calling; services check states, not people.

Notes for the screens and the interchange (additions to the contract):
- `field_key()` names a value's field; `FieldError` and `Issue` carry `.key` with it.
- `values_save` type-checks only; min/max, required and rules are `submission_check` (call it to
  show them as the person types). An empty string clears a value.
- `submission_submit(..., on=date)` records the day it was submitted (imports with DHIS2's
  `completeDate` pass it); without approval required, a submitted report is final.
- permissions.access_submission also takes action="return": the unit's leader, or — for an
  approved report waiting for acceptance — the level above that would accept it.
- Completeness/timeliness in selectors.Rates are percentages (0–100); `reporting_rates` also
  takes a period longer than the form's (a quarter of a monthly form: one report owed per unit
  and month) and lists `missing_reports` as (unit, period) besides `missing` units.
- `selectors.rollup(..., detail=False)` skips contributors and missing (pivot, benchmarks).
- permissions: `access_form_by_code`, `access_indicator[_by_code]`, `can_design_indicators`,
  `is_own_unit`, `can_act(user, submission, action)` for showing buttons.
- No model fields were added.

Workflow (DHIS2's approval, anchor-systems §1.1, with Decree 09 wording):

    draft ──submit──▶ submitted ──approve──▶ approved ──accept──▶ accepted
      ▲                  │  (leader)            │ (level above, when the form asks)
      └──── returned ◀───┴──return (reason)─────┘
                ▲                                          unlock (reason): approved/accepted → returned

A returned report keeps every value entered and is editable again; resubmitting keeps the first
submission's date, so timeliness is judged once. When the form does not need approval, a
submitted report is final (and accepted from there when the form asks for acceptance). The final
step completes the linked obligation's occurrence, with the report as evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from phoihop.agreements import services as agreement_services
from phoihop.agreements.models import Area, Evidence, Obligation, Occurrence
from phoihop.calendar.periods import PeriodType, submission_deadline
from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.documents.services import document_issue
from phoihop.orgs.models import Unit
from phoihop.reporting import selectors
from phoihop.reporting.models import (
    NUMERIC_TYPES,
    Aggregation,
    DataValue,
    FormField,
    FormSection,
    Indicator,
    ReportForm,
    Submission,
    SubmissionComment,
    ValidationRule,
    ValueType,
)
from phoihop.reporting.validation import COMPARE, InvalidValue, format_number, parse_expression, parse_value

S = Submission.Status

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
OPTION_CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,31}")
MAX_DEADLINE_WORKING_DAYS = 60

INDICATOR_FIELDS = (
    "code",
    "name",
    "short_name",
    "description",
    "value_type",
    "options",
    "unit_of_measure",
    "aggregation",
    "period_aggregation",
    "area",
    "disaggregation",
    "is_active",
)
FORM_FIELDS = (
    "code",
    "name",
    "description",
    "period_type",
    "deadline_working_days",
    "owner_unit",
    "assigned_unit_kinds",
    "assigned_territory_kinds",
    "approval_required",
    "acceptance_required",
    "obligation",
    "is_active",
)
SUBMISSION_FIELDS = (
    "status",
    "submitted_on",
    "submitted_by",
    "is_late",
    "approved_at",
    "approved_by",
    "accepted_at",
    "accepted_by",
    "returned_reason",
)


def field_key(code: str, category: str = "") -> str:
    """Name of a value's field in errors and forms: the code, and "__option" for a disaggregation."""
    return f"{code}__{category}" if category else code


@dataclass(frozen=True)
class FieldError:
    """A value that could not be stored, with the message to show beside its field."""

    code: str
    category: str
    message: str

    @property
    def key(self) -> str:
        return field_key(self.code, self.category)


@dataclass(frozen=True)
class Issue:
    """One finding of submission_check: a field (key = field_key) or a rule (key = "rule_<id>")."""

    key: str
    message: str
    rule_id: int | None = None


@dataclass
class CheckResult:
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Small helpers ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _check_code(code: str, *, field_name: str = "code") -> str:
    code = _text(code)
    if not code:
        raise ValidationError({field_name: _("Enter a code.")})
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationError(
            {
                field_name: _(
                    "A code is at most 64 letters, digits, dots, dashes or underscores, "
                    "starting with a letter or digit."
                )
            }
        )
    return code


def _clean_code_and_name(values: dict[str, Any], instance: Any, model: type, taken: str) -> dict[str, Any]:
    """Check the code (shape, unique whatever the case: "people" and "PEOPLE" would confuse every
    import) and the name shared by indicators and forms; return the values with them cleaned."""
    cleaned = dict(values)
    if "code" in cleaned:
        cleaned["code"] = _check_code(cleaned["code"])
        clash = model.objects.filter(code__iexact=cleaned["code"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError({"code": taken})
    if "name" in cleaned:
        cleaned["name"] = _text(cleaned["name"])
        if not cleaned["name"]:
            raise ValidationError({"name": _("Enter a name.")})
    return cleaned


def _decimal_or_none(value: Any, field_name: str) -> Decimal | None:
    if value is None or _text(value) == "":
        return None
    try:
        return Decimal(_text(value).replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError({field_name: _("Enter a number.")}) from exc


def _choices(values: Iterable[Any], allowed: Iterable[str], field_name: str) -> list[str]:
    allowed = list(allowed)
    result = []
    for value in values or []:
        value = str(value)
        if value not in allowed:
            raise ValidationError({field_name: _("Unknown choice: %(value)s.") % {"value": value}})
        if value not in result:
            result.append(value)
    return result


def _lock(submission: Submission) -> Submission:
    """Re-read the submission under a row lock, so two people acting at once act one after the other."""
    fresh = Submission.objects.select_for_update().select_related("form", "unit").get(pk=submission.pk)
    for name in ("status", *SUBMISSION_FIELDS, "warning_comments", "deadline"):
        setattr(submission, name, getattr(fresh, name))
    submission.form = fresh.form
    submission.unit = fresh.unit
    return submission


# Indicators ---------------------------------------------------------------------------------------


def _options(values: Any, field_name: str) -> list[dict[str, str]]:
    """Normalise options / disaggregation to [{"code", "name"}]; strings are both code and name."""
    result: list[dict[str, str]] = []
    for item in values or []:
        if isinstance(item, Mapping):
            code, name = _text(item.get("code")), _text(item.get("name")) or _text(item.get("code"))
        else:
            code = name = _text(item)
        if not OPTION_CODE_PATTERN.fullmatch(code):
            raise ValidationError(
                {
                    field_name: _("“%(code)s” is not a usable option code: at most 32 letters, digits, - or _.")
                    % {"code": code}
                }
            )
        if any(o["code"].casefold() == code.casefold() for o in result):
            raise ValidationError({field_name: _("The option code %(code)s is used twice.") % {"code": code}})
        result.append({"code": code, "name": name})
    return result


def _resolve_area(value: Any) -> Area | None:
    if value in (None, ""):
        return None
    if isinstance(value, Area):
        return value
    area = Area.objects.filter(code=str(value)).first()
    if area is None:
        raise ValidationError({"area": _("Unknown content area: %(code)s.") % {"code": value}})
    return area


def _clean_indicator(values: dict[str, Any], instance: Indicator | None) -> dict[str, Any]:
    """Check an indicator's fields together (type, aggregations, options); return them normalised."""
    cleaned = _clean_code_and_name(values, instance, Indicator, _("Another indicator already has this code."))
    for name in ("short_name", "description", "unit_of_measure"):
        if name in cleaned:
            cleaned[name] = _text(cleaned[name])
    merged = {name: getattr(instance, name) for name in INDICATOR_FIELDS} if instance else {}
    merged.update(cleaned)
    value_type = merged.get("value_type", ValueType.INTEGER)
    if value_type not in ValueType.values:
        raise ValidationError({"value_type": _("Unknown value type: %(value)s.") % {"value": value_type}})
    for name in ("aggregation", "period_aggregation"):
        chosen = merged.get(name, Aggregation.SUM)
        if chosen not in Aggregation.values:
            raise ValidationError({name: _("Unknown aggregation: %(value)s.") % {"value": chosen}})
        if value_type not in NUMERIC_TYPES and chosen != Aggregation.NONE:
            raise ValidationError(
                {name: _("Text, option and date values are not added up: choose “None” as the aggregation.")}
            )
    if "options" in cleaned or "value_type" in cleaned:
        options = _options(merged.get("options"), "options")
        if value_type == ValueType.OPTION and not options:
            raise ValidationError({"options": _("List the options to choose from.")})
        if value_type != ValueType.OPTION and options:
            raise ValidationError({"options": _("Only a “one of a list” indicator has options.")})
        cleaned["options"] = options
    if "disaggregation" in cleaned or "value_type" in cleaned:
        breakdown = _options(merged.get("disaggregation"), "disaggregation")
        if breakdown and value_type not in NUMERIC_TYPES:
            raise ValidationError({"disaggregation": _("Only numbers can be broken down (for example men and women).")})
        cleaned["disaggregation"] = breakdown
    if "area" in cleaned:
        cleaned["area"] = _resolve_area(cleaned["area"])
    return cleaned


@transaction.atomic
def indicator_create(
    *,
    actor: Any,
    code: str,
    name: str,
    value_type: str,
    aggregation: str = Aggregation.SUM,
    period_aggregation: str = Aggregation.SUM,
    unit_of_measure: str = "",
    options: Iterable[Any] = (),
    disaggregation: Iterable[Any] = (),
    area: Any = None,
    description: str = "",
    short_name: str = "",
) -> Indicator:
    """Define a figure units report. Text, option and date indicators take aggregation "none"."""
    values = _clean_indicator(
        {
            "code": code,
            "name": name,
            "value_type": value_type,
            "aggregation": aggregation,
            "period_aggregation": period_aggregation,
            "unit_of_measure": unit_of_measure,
            "options": list(options),
            "disaggregation": list(disaggregation),
            "area": area,
            "description": description,
            "short_name": short_name,
        },
        None,
    )
    indicator = Indicator(**values)
    indicator.full_clean()
    indicator.save()
    audit_record(actor=actor, verb="indicator.created", target=indicator, changes=created(indicator, INDICATOR_FIELDS))
    return indicator


@transaction.atomic
def indicator_update(*, actor: Any, indicator: Indicator, **fields: Any) -> Indicator:
    """Change an indicator. Once values exist, its type stays, and options in use stay.

    Changing the type or dropping a used option would turn stored values into nonsense; the
    code stays once a rule or a value refers to it (rules name indicators by code).
    """
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"indicator_update() got unexpected fields: {sorted(unknown)}")
    values = _clean_indicator(fields, indicator)
    has_values = DataValue.objects.filter(indicator=indicator).exists()
    if "value_type" in values and values["value_type"] != indicator.value_type and has_values:
        raise ValidationError({"value_type": _("Values were already reported for this indicator; its type stays.")})
    if "code" in values and values["code"] != indicator.code and (has_values or _rules_naming(indicator).exists()):
        raise ValidationError({"code": _("Values or rules already use this code; it stays.")})
    if "disaggregation" in values and has_values:
        kept = {o["code"] for o in values["disaggregation"]}
        used = set(DataValue.objects.filter(indicator=indicator).values_list("category", flat=True).distinct())
        dropped = sorted(c for c in used - kept)
        if dropped:
            raise ValidationError(
                {
                    "disaggregation": _("Values were reported for %(options)s; keep those options.")
                    % {"options": ", ".join(c or "total" for c in dropped)}
                }
            )
    if "options" in values and has_values and indicator.value_type == ValueType.OPTION:
        kept = {o["code"] for o in values["options"]}
        used = set(DataValue.objects.filter(indicator=indicator).values_list("value_text", flat=True).distinct())
        dropped = sorted(used - kept)
        if dropped:
            raise ValidationError(
                {"options": _("Values use %(options)s; keep those options.") % {"options": ", ".join(dropped)}}
            )
    before = snapshot(indicator, INDICATOR_FIELDS)
    for name, value in values.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save(update_fields=[*values, "updated_at"])
    changes = diff(before, snapshot(indicator, INDICATOR_FIELDS))
    if changes:
        audit_record(actor=actor, verb="indicator.updated", target=indicator, changes=changes)
    return indicator


def _rules_naming(indicator: Indicator) -> Any:
    # A cheap pre-filter in SQL; exact parsing happens only for the few rules it finds.
    return ValidationRule.objects.filter(Q(left__contains=indicator.code) | Q(right__contains=indicator.code))


# Forms --------------------------------------------------------------------------------------------


def _clean_form(values: dict[str, Any], instance: ReportForm | None) -> dict[str, Any]:
    cleaned = _clean_code_and_name(values, instance, ReportForm, _("Another report form already has this code."))
    if "description" in cleaned:
        cleaned["description"] = _text(cleaned["description"])
    if "period_type" in cleaned:
        if cleaned["period_type"] not in PeriodType.values:
            raise ValidationError(
                {"period_type": _("Unknown period type: %(value)s.") % {"value": cleaned["period_type"]}}
            )
        if instance is not None and cleaned["period_type"] != instance.period_type and instance.submissions.exists():
            raise ValidationError({"period_type": _("Reports were already made on this form; its period type stays.")})
    if "deadline_working_days" in cleaned:
        days = cleaned["deadline_working_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DEADLINE_WORKING_DAYS:
            raise ValidationError(
                {
                    "deadline_working_days": _("The deadline is 0 to %(max)s working days after the cut-off.")
                    % {"max": MAX_DEADLINE_WORKING_DAYS}
                }
            )
    if "owner_unit" in cleaned and not isinstance(cleaned["owner_unit"], Unit):
        raise ValidationError({"owner_unit": _("Choose the unit that designs this form.")})
    if "assigned_unit_kinds" in cleaned:
        cleaned["assigned_unit_kinds"] = _choices(
            cleaned["assigned_unit_kinds"], Unit.Kind.values, "assigned_unit_kinds"
        )
    if "assigned_territory_kinds" in cleaned:
        cleaned["assigned_territory_kinds"] = _choices(
            cleaned["assigned_territory_kinds"], [str(k) for k in Unit.TERRITORY_KINDS], "assigned_territory_kinds"
        )
    unit_kinds = cleaned.get("assigned_unit_kinds", instance.assigned_unit_kinds if instance else [])
    territory_kinds = cleaned.get("assigned_territory_kinds", instance.assigned_territory_kinds if instance else [])
    if territory_kinds and not unit_kinds:
        raise ValidationError({"assigned_unit_kinds": _("Choose which kinds of units report in those territories.")})
    if "obligation" in cleaned and cleaned["obligation"] is not None:
        duty = cleaned["obligation"]
        if not isinstance(duty, Obligation):
            raise ValidationError({"obligation": _("Choose a duty of an agreement.")})
        # Approving a report adds it as evidence; a duty that takes only notes or files would
        # refuse it every time, silently.
        if duty.evidence_kinds and Evidence.Kind.SUBMISSION not in duty.evidence_kinds:
            raise ValidationError({"obligation": _("This duty does not accept report submissions as evidence.")})
    return cleaned


def _unit_list(units: Iterable[Any]) -> list[Unit]:
    result = []
    for unit in units or []:
        if not isinstance(unit, Unit):
            raise ValidationError({"assigned_units": _("Choose units from the list.")})
        result.append(unit)
    return result


def _audit_form(actor: Any, verb: str, form: ReportForm, **kwargs: Any) -> None:
    audit_record(actor=actor, verb=verb, target=form, unit=form.owner_unit, **kwargs)


@transaction.atomic
def form_create(
    *,
    actor: Any,
    owner_unit: Unit,
    code: str,
    name: str,
    period_type: str,
    deadline_working_days: int = 2,
    assigned_unit_kinds: Iterable[str] = (),
    assigned_territory_kinds: Iterable[str] = (),
    assigned_units: Iterable[Unit] = (),
    approval_required: bool = True,
    acceptance_required: bool = False,
    obligation: Obligation | None = None,
    description: str = "",
) -> ReportForm:
    """Create a report form (DHIS2 data set) with who reports it, when, and who approves."""
    values = _clean_form(
        {
            "owner_unit": owner_unit,
            "code": code,
            "name": name,
            "period_type": period_type,
            "deadline_working_days": deadline_working_days,
            "assigned_unit_kinds": list(assigned_unit_kinds),
            "assigned_territory_kinds": list(assigned_territory_kinds),
            "approval_required": bool(approval_required),
            "acceptance_required": bool(acceptance_required),
            "obligation": obligation,
            "description": description,
        },
        None,
    )
    picked = _unit_list(assigned_units)
    form = ReportForm(**values)
    form.full_clean()
    form.save()
    form.assigned_units.set(picked)
    changes = created(form, FORM_FIELDS)
    if picked:
        changes["assigned_units"] = [None, sorted(u.code for u in picked)]
    _audit_form(actor, "form.created", form, changes=changes)
    return form


@transaction.atomic
def form_update(*, actor: Any, form: ReportForm, **fields: Any) -> ReportForm:
    """Change a form's settings; `assigned_units` replaces the units picked one by one."""
    allowed = {*FORM_FIELDS, "assigned_units"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"form_update() got unexpected fields: {sorted(unknown)}")
    picked = _unit_list(fields.pop("assigned_units")) if "assigned_units" in fields else None
    values = _clean_form(fields, form)
    before = snapshot(form, FORM_FIELDS)
    old_units = sorted(form.assigned_units.values_list("code", flat=True))
    for name, value in values.items():
        setattr(form, name, value)
    form.full_clean()
    form.save(update_fields=[*[f"{n}" for n in values], "updated_at"] if values else ["updated_at"])
    changes = diff(before, snapshot(form, FORM_FIELDS))
    if picked is not None:
        form.assigned_units.set(picked)
        new_units = sorted(u.code for u in picked)
        if new_units != old_units:
            changes["assigned_units"] = [old_units, new_units]
    if changes:
        _audit_form(actor, "form.updated", form, changes=changes)
    return form


@transaction.atomic
def section_add(*, actor: Any, form: ReportForm, title: str, order: int = 0) -> FormSection:
    """Add a section (a heading grouping fields) to a form."""
    title = _text(title)
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    section = FormSection(form=form, title=title, order=order)
    section.full_clean()
    section.save()
    _audit_form(actor, "form.section_added", form, changes={"section": [None, title]})
    return section


def _form_fields(form: ReportForm) -> list[FormField]:
    return list(
        FormField.objects.filter(section__form=form)
        .select_related("indicator", "section")
        .order_by("section__order", "section_id", "order", "pk")
    )


@transaction.atomic
def field_add(
    *,
    actor: Any,
    section: FormSection,
    indicator: Indicator,
    order: int = 0,
    required: bool = False,
    min_value: Any = None,
    max_value: Any = None,
) -> FormField:
    """Put an indicator on a form, once per form; min/max only for numbers."""
    form = section.form
    if not indicator.is_active:
        raise ValidationError({"indicator": _("This indicator is no longer in use.")})
    if FormField.objects.filter(section__form=form, indicator=indicator).exists():
        raise ValidationError({"indicator": _("This indicator is already on the form.")})
    low = _decimal_or_none(min_value, "min_value")
    high = _decimal_or_none(max_value, "max_value")
    if (low is not None or high is not None) and not indicator.is_numeric:
        raise ValidationError({"min_value": _("Only numbers have a minimum and a maximum.")})
    if low is not None and high is not None and low > high:
        raise ValidationError({"max_value": _("The maximum is below the minimum.")})
    form_field = FormField(
        section=section, indicator=indicator, order=order, required=bool(required), min_value=low, max_value=high
    )
    form_field.full_clean()
    form_field.save()
    _audit_form(
        actor,
        "form.field_added",
        form,
        changes={"field": [None, indicator.code], "required": [None, bool(required)]},
    )
    return form_field


@transaction.atomic
def field_remove(*, actor: Any, field: FormField) -> None:
    """Take an indicator off a form. Values already reported stay (they belong to the indicator)."""
    form = field.section.form
    code = field.indicator.code
    for rule in form.rules.all():
        if code in _rule_codes(rule):
            raise ValidationError(
                {"field": _("The rule “%(rule)s” uses this indicator; remove the rule first.") % {"rule": rule.name}}
            )
    field.delete()
    _audit_form(actor, "form.field_removed", form, changes={"field": [code, None]})


def _rule_codes(rule: ValidationRule) -> set[str]:
    codes: set[str] = set()
    for side in (rule.left, rule.right):
        try:
            codes.update(parse_expression(side).codes)
        except InvalidValue:
            continue
    return codes


@transaction.atomic
def rule_add(
    *, actor: Any, form: ReportForm, name: str, left: str, operator: str, right: str, severity: str, message: str
) -> ValidationRule:
    """Add a validation rule "left operator right" between numeric indicators of the form."""
    name, message = _text(name), _text(message)
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    if not message:
        raise ValidationError({"message": _("Write the message people see when the rule fails.")})
    if operator not in ValidationRule.Operator.values:
        raise ValidationError({"operator": _("Unknown operator: %(value)s.") % {"value": operator}})
    if severity not in ValidationRule.Severity.values:
        raise ValidationError({"severity": _("Unknown severity: %(value)s.") % {"value": severity}})
    on_form = {f.indicator.code: f.indicator for f in _form_fields(form)}
    for side_name, side in (("left", left), ("right", right)):
        try:
            expression = parse_expression(side)
        except InvalidValue as exc:
            raise ValidationError({side_name: str(exc)}) from exc
        for code in expression.codes:
            indicator = on_form.get(code)
            if indicator is None:
                raise ValidationError({side_name: _("%(code)s is not an indicator of this form.") % {"code": code}})
            if not indicator.is_numeric:
                raise ValidationError({side_name: _("%(code)s is not a number.") % {"code": code}})
    rule = ValidationRule(
        form=form,
        name=name,
        left=_text(left),
        operator=operator,
        right=_text(right),
        severity=severity,
        message=message,
    )
    rule.full_clean()
    rule.save()
    _audit_form(actor, "form.rule_added", form, changes={"rule": [None, f"{rule.left} {operator} {rule.right}"]})
    return rule


@transaction.atomic
def rule_remove(*, actor: Any, rule: ValidationRule) -> None:
    form = rule.form
    text = str(rule)
    rule.delete()
    _audit_form(actor, "form.rule_removed", form, changes={"rule": [text, None]})


# Submissions --------------------------------------------------------------------------------------


def _audit_submission(actor: Any, verb: str, submission: Submission, before: dict[str, Any], note: str = "") -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=submission,
        changes=diff(before, snapshot(submission, SUBMISSION_FIELDS)),
        note=note,
    )


@transaction.atomic
def submission_open(*, actor: Any, form: ReportForm, unit: Unit, period_id: str) -> Submission:
    """Return the unit's report on the form for the period, creating the draft the first time.

    Refuses a period of another type than the form's, and a unit not expected to report it then
    (not assigned, or not open during the period).
    """
    period = selectors.form_period(form, period_id)
    existing = Submission.objects.filter(form=form, unit=unit, period_id=period.id).first()
    if existing is not None:
        return existing
    if not form.is_active:
        raise ValidationError(_("This report form is no longer in use."), code="inactive")
    if not selectors.is_expected(form=form, unit=unit, period=period):
        raise ValidationError(
            {
                "unit": _("%(unit)s does not report this form for %(period)s: it is not assigned or was not open then.")
                % {"unit": unit.name, "period": period.label}
            }
        )
    submission = Submission(
        form=form,
        unit=unit,
        period_id=period.id,
        period_start=period.start,
        period_end=period.end,
        deadline=submission_deadline(period, form.deadline_working_days, province_code=unit.province_code),
        province_code=unit.province_code,
    )
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        # Someone opened it at the same moment: theirs is the one.
        return Submission.objects.get(form=form, unit=unit, period_id=period.id)
    audit_record(
        actor=actor,
        verb="submission.opened",
        target=submission,
        changes={"status": [None, submission.status], "deadline": [None, submission.deadline.isoformat()]},
    )
    return submission


def _shown(value: DataValue | None) -> str | None:
    if value is None:
        return None
    return format_number(value.value_number) if value.value_number is not None else value.value_text


@transaction.atomic
def values_save(
    *, actor: Any, submission: Submission, values: Mapping[tuple[str, str | None], Any]
) -> list[FieldError]:
    """Store the values typed into a draft (or returned) report; return the ones refused, per field.

    Each value is type-checked on its own; the valid ones are stored even when others are not
    (autosave must never lose what was typed). An empty value clears the field. A value of an
    indicator shared with another form's report that is locked is refused: it belongs to that
    report now.
    """
    _lock(submission)
    if submission.is_locked:
        raise ValidationError(
            _("This report has been sent up and can no longer be changed; it must be returned or unlocked first."),
            code="locked",
        )
    fields = {f.indicator.code: f for f in _form_fields(submission.form)}
    indicators = [f.indicator for f in fields.values()]
    existing = {
        (v.indicator_id, v.category): v
        for v in DataValue.objects.filter(
            unit=submission.unit, period_id=submission.period_id, indicator__in=indicators
        ).select_related("submission")
    }
    errors: list[FieldError] = []
    changes: dict[str, list[Any]] = {}
    for (code, category), raw in values.items():
        category = category or ""
        form_field = fields.get(code)
        if form_field is None:
            errors.append(FieldError(code, category, _("%(code)s is not on this form.") % {"code": code}))
            continue
        indicator = form_field.indicator
        breakdown = [o["code"] for o in indicator.disaggregation or []]
        if breakdown and category not in breakdown:
            errors.append(
                FieldError(code, category, _("Choose one of: %(options)s.") % {"options": ", ".join(breakdown)})
            )
            continue
        if not breakdown and category:
            errors.append(FieldError(code, category, _("This figure has no breakdown.")))
            continue
        current = existing.get((indicator.pk, category))
        if current is not None and current.submission_id not in (None, submission.pk) and current.submission.is_locked:
            errors.append(
                FieldError(code, category, _("This figure belongs to another report that is already submitted."))
            )
            continue
        text = _text(raw)
        if not text:
            if current is not None:
                changes[field_key(code, category)] = [_shown(current), None]
                current.delete()
            continue
        try:
            parsed = parse_value(indicator, text)
        except InvalidValue as exc:
            errors.append(FieldError(code, category, str(exc)))
            continue
        if current is None:
            current = DataValue(
                indicator=indicator,
                unit=submission.unit,
                period_id=submission.period_id,
                period_start=submission.period_start,
                period_end=submission.period_end,
                category=category,
                province_code=submission.province_code,
            )
        elif current.value_number == parsed.number and current.value_text == parsed.text:
            continue
        old = _shown(current) if current.pk else None
        current.value_number = parsed.number
        current.value_text = parsed.text
        current.submission = submission
        current.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        current.save()
        changes[field_key(code, category)] = [old, parsed.display()]
    if changes:
        submission.save(update_fields=["updated_at"])
        audit_record(actor=actor, verb="submission.values_saved", target=submission, changes=changes)
    return errors


def _stored_values(submission: Submission, fields: list[FormField]) -> dict[str, dict[str, DataValue]]:
    by_code: dict[str, dict[str, DataValue]] = {}
    rows = DataValue.objects.filter(
        unit=submission.unit, period_id=submission.period_id, indicator__in=[f.indicator for f in fields]
    ).select_related("indicator")
    for value in rows:
        by_code.setdefault(value.indicator.code, {})[value.category] = value
    return by_code


def submission_check(*, submission: Submission) -> CheckResult:
    """Check the report as it stands: required fields, minimum and maximum, then the form's rules.

    Required, min and max are errors. A rule gives an error or a warning by its severity. Missing
    values in a rule: the rule is skipped when a referenced REQUIRED field is empty (the required
    error already says so; counting it as 0 would add a second, misleading message) and when
    nothing it refers to has been entered yet (DHIS2's default, "skip if all values missing");
    otherwise an empty optional field counts as 0. A disaggregated indicator counts as its total.
    """
    result = CheckResult()
    fields = _form_fields(submission.form)
    stored = _stored_values(submission, fields)
    required_empty: set[str] = set()
    totals: dict[str, Decimal] = {}
    for form_field in fields:
        indicator = form_field.indicator
        code = indicator.code
        cells = stored.get(code, {})
        categories = [o["code"] for o in indicator.disaggregation or []] or [""]
        for category in categories:
            value = cells.get(category)
            if value is None:
                if form_field.required:
                    required_empty.add(code)
                    result.errors.append(Issue(field_key(code, category), _("This field is required.")))
                continue
            amount = value.value_number
            if amount is None:
                continue
            totals[code] = totals.get(code, Decimal(0)) + amount
            if form_field.min_value is not None and amount < form_field.min_value:
                result.errors.append(
                    Issue(
                        field_key(code, category),
                        _("The value is below the minimum of %(min)s.") % {"min": format_number(form_field.min_value)},
                    )
                )
            if form_field.max_value is not None and amount > form_field.max_value:
                result.errors.append(
                    Issue(
                        field_key(code, category),
                        _("The value is above the maximum of %(max)s.") % {"max": format_number(form_field.max_value)},
                    )
                )
    for rule in submission.form.rules.order_by("pk"):
        try:
            left, right = parse_expression(rule.left), parse_expression(rule.right)
        except InvalidValue:
            continue  # rule_add refuses unreadable rules; one edited in the admin is skipped, not fatal
        codes = set(left.codes) | set(right.codes)
        if codes & required_empty:
            continue
        if codes and not codes & set(totals):
            continue
        if COMPARE[rule.operator](left.evaluate(totals), right.evaluate(totals)):
            continue
        issue = Issue(f"rule_{rule.pk}", rule.message, rule.pk)
        (result.errors if rule.severity == ValidationRule.Severity.ERROR else result.warnings).append(issue)
    return result


def _issues_error(issues: list[Issue]) -> ValidationError:
    grouped: dict[str, list[str]] = {}
    for issue in issues:
        grouped.setdefault(issue.key, []).append(issue.message)
    return ValidationError(grouped)


def _is_final(submission: Submission) -> bool:
    """The last step of the form's workflow has been taken (approved, accepted, or submitted when
    the form needs neither)."""
    form = submission.form
    if form.acceptance_required:
        return submission.status == S.ACCEPTED
    if form.approval_required:
        return submission.status == S.APPROVED
    return submission.status == S.SUBMITTED


@transaction.atomic
def submission_submit(
    *,
    actor: Any,
    submission: Submission,
    warning_comments: Mapping[Any, str] | None = None,
    on: dt.date | None = None,
) -> Submission:
    """Send a draft or returned report up: errors block, every warning needs a comment.

    The first submission records the day and whether it was after the deadline; a late report is
    taken and marked late (Decree 09 counts it as received). A resubmission after a return keeps
    the first day, so timeliness is judged once.
    """
    _lock(submission)
    if submission.status not in (S.DRAFT, S.RETURNED):
        raise ValidationError(_("Only a draft or a returned report can be submitted."), code="not_submittable")
    result = submission_check(submission=submission)
    if result.errors:
        raise _issues_error(result.errors)
    comments = {str(k): _text(v) for k, v in (warning_comments or {}).items() if _text(v)}
    unanswered = [w for w in result.warnings if str(w.rule_id) not in comments]
    if unanswered:
        raise ValidationError(
            {
                f"warning_{w.rule_id}": _("Explain this warning in a comment: %(message)s") % {"message": w.message}
                for w in unanswered
            }
        )
    before = snapshot(submission, SUBMISSION_FIELDS)
    resubmission = submission.submitted_on is not None
    if not resubmission:
        submission.submitted_on = on or timezone.localdate()
        submission.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
        submission.is_late = submission.submitted_on > submission.deadline
    submission.status = S.SUBMITTED
    submission.returned_reason = ""
    submission.warning_comments = {
        **(submission.warning_comments or {}),
        **{str(w.rule_id): comments[str(w.rule_id)] for w in result.warnings},
    }
    submission.save(update_fields=[*SUBMISSION_FIELDS, "warning_comments", "updated_at"])
    note = _finalise(actor, submission) if _is_final(submission) else ""
    _audit_submission(
        actor, "submission.resubmitted" if resubmission else "submission.submitted", submission, before, note
    )
    return submission


@transaction.atomic
def submission_approve(*, actor: Any, submission: Submission) -> Submission:
    """Approve a submitted report (the unit's leader): it is locked from now on."""
    _lock(submission)
    if not submission.form.approval_required:
        raise ValidationError(_("This form needs no approval: a submitted report is final."), code="no_approval")
    if submission.status != S.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."), code="not_approvable")
    before = snapshot(submission, SUBMISSION_FIELDS)
    submission.status = S.APPROVED
    submission.approved_at = timezone.now()
    submission.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    submission.save(update_fields=[*SUBMISSION_FIELDS, "updated_at"])
    note = _finalise(actor, submission) if _is_final(submission) else ""
    _audit_submission(actor, "submission.approved", submission, before, note)
    return submission


@transaction.atomic
def submission_return(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """Send a report back for correction with a reason. Everything entered stays, editable again.

    A submitted report is returned by the unit's leader; an approved one waiting for acceptance
    by the level above (which declines to accept it).
    """
    _lock(submission)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the report is returned.")})
    waiting_acceptance = submission.status == S.APPROVED and submission.form.acceptance_required
    if submission.status != S.SUBMITTED and not waiting_acceptance:
        raise ValidationError(
            _("Only a submitted report, or an approved one waiting for acceptance, can be returned."),
            code="not_returnable",
        )
    before = snapshot(submission, SUBMISSION_FIELDS)
    submission.status = S.RETURNED
    submission.returned_reason = reason
    submission.approved_at = None
    submission.approved_by = None
    submission.save(update_fields=[*SUBMISSION_FIELDS, "updated_at"])
    _audit_submission(actor, "submission.returned", submission, before, reason)
    return submission


@transaction.atomic
def submission_accept(*, actor: Any, submission: Submission) -> Submission:
    """Accept a report at the level above (when the form asks): approved, or submitted when no approval is needed."""
    _lock(submission)
    form = submission.form
    if not form.acceptance_required:
        raise ValidationError(_("This form does not ask the level above to accept reports."), code="no_acceptance")
    if form.approval_required and submission.status != S.APPROVED:
        raise ValidationError(_("Only an approved report can be accepted."), code="not_acceptable")
    if not form.approval_required and submission.status != S.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be accepted."), code="not_acceptable")
    before = snapshot(submission, SUBMISSION_FIELDS)
    submission.status = S.ACCEPTED
    submission.accepted_at = timezone.now()
    submission.accepted_by = actor if getattr(actor, "is_authenticated", False) else None
    submission.save(update_fields=[*SUBMISSION_FIELDS, "updated_at"])
    note = _finalise(actor, submission)
    _audit_submission(actor, "submission.accepted", submission, before, note)
    return submission


@transaction.atomic
def submission_unlock(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """Open an approved (or accepted) report for correction again; the reason is recorded.

    It becomes a returned report: editable, out of the completeness count until resubmitted
    (selectors), with its first submission date kept. The obligation's occurrence it completed
    stays done: the duty was met on that day.
    """
    _lock(submission)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the report is unlocked.")})
    if submission.status not in (S.APPROVED, S.ACCEPTED):
        raise ValidationError(_("Only an approved or accepted report can be unlocked."), code="not_unlockable")
    before = snapshot(submission, SUBMISSION_FIELDS)
    submission.status = S.RETURNED
    submission.returned_reason = reason
    submission.approved_at = submission.approved_by = None
    submission.accepted_at = submission.accepted_by = None
    submission.save(update_fields=[*SUBMISSION_FIELDS, "updated_at"])
    _audit_submission(actor, "submission.unlocked", submission, before, reason)
    return submission


@transaction.atomic
def comment_add(*, actor: Any, submission: Submission, text: str = "", file: Any = None) -> SubmissionComment:
    """Add a comment or a file to a report (any state: a question about an approved report is fine)."""
    text = _text(text)
    if not text and not file:
        raise ValidationError({"text": _("Write a comment or attach a file.")})
    comment = SubmissionComment(submission=submission, author=actor, text=text)
    if file:
        comment.file = file
    comment.full_clean()
    comment.save()
    audit_record(
        actor=actor,
        verb="submission.commented",
        target=submission,
        changes={"comment": [None, comment.pk], "file": [None, comment.file.name or None]},
        note=text[:500],
    )
    return comment


# The obligation the form fulfils -----------------------------------------------------------------


def linked_record(submission: Submission) -> str:
    return f"reporting.submission:{submission.pk}"


def _finalise(actor: Any, submission: Submission) -> str:
    """A report that becomes final is an issued document: number it, then fulfil its duty.

    Decree 30 numbers documents per issuing body per year when they are issued; a final report
    (approved, or accepted when the form asks) is issued by its unit. Issuing is idempotent per
    report, so an unlocked and re-approved report keeps its number.
    """
    from phoihop.reporting.report_document import report_symbol

    # The report is dated the day the unit sent it (what the level above received and counts
    # for timeliness), so its number runs in that year. A unit that was not open that day (a
    # report entered for a merged-away unit) issues nothing: the report stays unnumbered rather
    # than blocking the approval.
    on_date = submission.submitted_on or timezone.localdate()
    if submission.unit.is_open_on(on_date):
        document_issue(
            actor=actor,
            issuing_unit=submission.unit,
            symbol=report_symbol(submission.unit),
            on_date=on_date,
            target=submission,
        )
    return _fulfil_obligation(actor, submission)


def _fulfil_obligation(actor: Any, submission: Submission) -> str:
    """Record the report as evidence on the linked duty's occurrence and complete it; return a note.

    The occurrence is the one whose period holds the report period's cut-off day (the 14th
    closing a Decree 09 window falls in the calendar month, quarter or year the duty names).
    Every unit's report becomes evidence; the first one completes the occurrence. A duty that
    cannot take it (waived, refusing report evidence, an agreement not yet in force) must not
    block the report: the approval goes through and its audit note says why nothing was done.
    """
    obligation = submission.form.obligation
    if obligation is None:
        return ""
    day = submission.period_end
    occurrence = (
        obligation.occurrences.filter(period_start__lte=day, period_end__gte=day).order_by("period_start").first()
    )
    if occurrence is None:
        return f"no occurrence of obligation {obligation.pk} covers {day.isoformat()}"
    link = linked_record(submission)
    try:
        with transaction.atomic():
            if not occurrence.evidence.filter(kind=Evidence.Kind.SUBMISSION, linked_record=link).exists():
                agreement_services.evidence_add(
                    actor=actor, occurrence=occurrence, kind=Evidence.Kind.SUBMISSION, linked_record=link
                )
            occurrence.refresh_from_db()
            if occurrence.state == Occurrence.State.OPEN:
                agreement_services.occurrence_complete(actor=actor, occurrence=occurrence)
                return f"completed occurrence {occurrence.pk}"
            return f"evidence on occurrence {occurrence.pk}"
    except ValidationError as exc:
        return f"occurrence {occurrence.pk} not completed: {'; '.join(exc.messages)}"
