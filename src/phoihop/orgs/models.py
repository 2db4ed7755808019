from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from phoihop.core.models import BaseModel


class User(AbstractUser):
    """A person who works in phoihop. Reaches units through memberships."""

    class Language(models.TextChoices):
        VIETNAMESE = "vi", _("Vietnamese")
        ENGLISH = "en", _("English")

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("interface language"), max_length=8, choices=Language, default=Language.VIETNAMESE)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # Logging in by e-mail needs one account per address.
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.get_username()

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.get_username()


class Unit(MP_Node, BaseModel):
    """A node of the one organisation tree: a territory or a body within one.

    Territories (province, district, commune, residential area) carry their official
    administrative code; bodies carry "<territory code>-<ABBREVIATION>" (22-UBND, 07090-MTTQ).
    Units are never deleted: they close (valid_to) and merge (UnitSuccession) so history stays
    queryable and later modules count only the units open in a period.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")
        RESIDENTIAL_AREA = "residential_area", _("Residential area")
        PEOPLE_COMMITTEE = "people_committee", _("People's Committee")
        PEOPLE_COUNCIL = "people_council", _("People's Council")
        FRONT_COMMITTEE = "front_committee", _("Fatherland Front Committee")
        MASS_ORG = "mass_org", _("Socio-political organisation")
        DEPARTMENT = "department", _("Department")
        OTHER = "other", _("Other body")

    TERRITORY_KINDS = (Kind.PROVINCE, Kind.DISTRICT, Kind.COMMUNE, Kind.RESIDENTIAL_AREA)

    code = models.CharField(_("code"), max_length=32, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("abbreviation"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind, db_index=True)
    # As the official register writes it ("phường", "xã", "đặc khu", "thành phố").
    division_type = models.CharField(_("division type"), max_length=64, blank=True)
    province_code = models.CharField(_("province code"), max_length=8, blank=True, db_index=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            # Official codes are reused after a merge (the new ward 07090 took an old ward's
            # code), so a code is unique among open units only.
            models.UniqueConstraint(fields=["code"], condition=Q(valid_to__isnull=True), name="unit_code_open_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:unit-detail", args=[self.pk])

    @property
    def is_territory(self) -> bool:
        return self.kind in self.TERRITORY_KINDS

    @property
    def is_open(self) -> bool:
        return self.valid_to is None

    def is_open_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)

    def territory(self) -> Unit:
        """Return the nearest territory at or above this unit (a body's commune or province)."""
        if self.is_territory:
            return self
        return Unit.objects.get_ancestors(self).filter(kind__in=self.TERRITORY_KINDS).last() or self


class UnitSuccession(BaseModel):
    """On `date`, `predecessor` passed (all or part of) itself to `successor` — merges, splits, renames."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged into")
        SPLIT = "split", _("Split into")
        RENAME = "rename", _("Renamed to")

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("former unit"), on_delete=models.PROTECT, related_name="successions"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("new unit"), on_delete=models.PROTECT, related_name="predecessions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.MERGE)
    date = models.DateField(_("effective date"))
    basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="unit_succession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date:%d/%m/%Y})"


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OFFICER = "officer", _("Officer")
    LEADER = "leader", _("Leader")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Membership(BaseModel):
    """A person's role in a unit; it reaches the unit's whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.OFFICER)
    title = models.CharField(_("position"), max_length=150, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], condition=Q(ended_on__isnull=True), name="membership_open_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
