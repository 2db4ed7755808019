from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from phoihop.calendar.models import CalendarAnnouncement


class AnnouncementForm(forms.ModelForm):
    """The shape of an announcement; what it means (already a day off?) is the service's check."""

    class Meta:
        model = CalendarAnnouncement
        fields = ["date", "kind", "name", "basis", "province_code"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]

    def validate_unique(self) -> None:
        # The service says "already an announcement for this date" beside the date field.
        pass


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100, required=False)
