"""Who may see and change report forms, indicators and submissions — on top of orgs.access.

Visibility of a submission: people whose scope reaches its unit (the unit's own staff, and the
levels above through their subtree memberships). A draft is the unit's own business: only
people holding a membership ON the unit itself see it (DESIGN §4 "nobody sees another unit's
drafts"; this includes system administrators, whose membership is on the province). Once
submitted, it stays visible to the levels above, also when it is later returned. Outside the
scope: 404 (ids do not leak); visible but not allowed: 403.

Actions on a submission:
- enter values, open, submit, comment: officer+ through a membership on the unit itself (the
  level above reads and judges a report, it does not write it);
- approve and return: leader+ on the unit (through any ancestor membership); "return" also lets
  the accepting level send back an approved report it declines to accept;
- accept (when the form asks): officer+ reaching the unit through an ANCESTOR membership — the
  level above, not the unit itself; system administrators too;
- unlock an approved report: leader+ on the unit, or a system administrator.

Forms and indicators are metadata: every logged-in person sees them. Designing a form: officer+
on its owner unit. Designing indicators (shared by every form of the installation): system
administrators and unit administrators of a province.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.reporting.models import Indicator, ReportForm, Submission

SubmissionAction = Literal["view", "enter", "approve", "return", "accept", "unlock"]
ACTIONS = ("view", "enter", "approve", "return", "accept", "unlock")


def _logged_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def own_unit_ids(user: Any, *, min_role: Role = Role.VIEWER) -> list[int]:
    """Return the units the person holds a membership on (not the units below them)."""
    needed = access.ROLE_RANK[min_role]
    return [r.unit_id for r in access.reaches(user) if r.rank >= needed]


def is_own_unit(user: Any, unit: Unit, *, min_role: Role = Role.VIEWER) -> bool:
    return unit.pk in own_unit_ids(user, min_role=min_role)


def reaches_from_above(user: Any, unit: Unit, *, min_role: Role = Role.OFFICER) -> bool:
    """True when a membership on a proper ancestor of `unit` gives at least `min_role`."""
    needed = access.ROLE_RANK[min_role]
    return any(r.rank >= needed and unit.path.startswith(r.path) and r.path != unit.path for r in access.reaches(user))


def submissions_visible(user: Any) -> QuerySet[Submission]:
    """Return the submissions the person may see: the scope, minus other units' drafts."""
    if not _logged_in(user):
        return Submission.objects.none()
    submissions = access.scope_queryset(Submission.objects.all(), user, via="unit")
    return submissions.filter(~Q(status=Submission.Status.DRAFT) | Q(unit_id__in=own_unit_ids(user)))


def can_act(user: Any, submission: Submission, action: SubmissionAction) -> bool:
    """Say whether a person who can see the submission may do `action` on it (roles only, not states)."""
    unit = submission.unit
    if action == "view":
        return True
    if action == "enter":
        return is_own_unit(user, unit, min_role=Role.OFFICER)
    if action == "approve":
        return access.can(user, unit, Role.LEADER)
    if action == "accept":
        return access.is_system_admin(user) or reaches_from_above(user, unit, min_role=Role.OFFICER)
    if action == "return":
        # The leader returns a submitted report; the level above returns an approved one it
        # declines to accept.
        declining = submission.status == Submission.Status.APPROVED and submission.form.acceptance_required
        return access.can(user, unit, Role.LEADER) or (declining and can_act(user, submission, "accept"))
    if action == "unlock":
        return access.is_system_admin(user) or access.can(user, unit, Role.LEADER)
    raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")


def access_submission(user: Any, pk: Any, *, action: SubmissionAction = "view") -> Submission:
    """Fetch a submission for a person: 404 when they may not see it, 403 when they may not do `action`.

    Whether the action fits the submission's state (approving a draft) is the service's
    concern; this only answers who.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    try:
        submission = submissions_visible(user).select_related("form", "unit").get(pk=pk)
    except (Submission.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not can_act(user, submission, action):
        raise PermissionDenied
    return submission


def can_design_form(user: Any, form: ReportForm) -> bool:
    return access.can(user, form.owner_unit, Role.OFFICER)


def can_create_form(user: Any, owner_unit: Unit) -> bool:
    return access.can(user, owner_unit, Role.OFFICER)


def access_form(user: Any, pk: Any, *, for_write: bool = False) -> ReportForm:
    """Fetch a report form: every logged-in person reads it; changing it needs officer+ on its owner unit."""
    if not _logged_in(user):
        raise Http404
    try:
        form = ReportForm.objects.select_related("owner_unit").get(pk=pk)
    except (ReportForm.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if for_write and not can_design_form(user, form):
        raise PermissionDenied
    return form


def access_form_by_code(user: Any, code: str, *, for_write: bool = False) -> ReportForm:
    """access_form for a form named by its code (the API and the CLI name forms by code)."""
    pk = ReportForm.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None or not _logged_in(user):
        raise Http404
    return access_form(user, pk, for_write=for_write)


def can_design_indicators(user: Any) -> bool:
    """System administrators, and unit administrators of a province (indicators are shared by every form)."""
    if not _logged_in(user):
        return False
    if access.is_system_admin(user):
        return True
    needed = access.ROLE_RANK[Role.UNIT_ADMIN]
    admin_of = [r.unit_id for r in access.reaches(user) if r.rank >= needed]
    return bool(admin_of) and Unit.objects.filter(pk__in=admin_of, kind=Unit.Kind.PROVINCE).exists()


def access_indicator(user: Any, pk: Any, *, for_write: bool = False) -> Indicator:
    """Fetch an indicator: every logged-in person reads it; changing it is for indicator designers."""
    if not _logged_in(user):
        raise Http404
    try:
        indicator = Indicator.objects.get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if for_write and not can_design_indicators(user):
        raise PermissionDenied
    return indicator


def access_indicator_by_code(user: Any, code: str, *, for_write: bool = False) -> Indicator:
    """access_indicator for an indicator named by its code."""
    if not _logged_in(user):
        raise Http404
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise Http404
    if for_write and not can_design_indicators(user):
        raise PermissionDenied
    return indicator
