from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from phoihop.notify.models import EmailMode, Kind


class InboxFilterForm(forms.Form):
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=_("E-mail me"),
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
        help_text=_("Your inbox in phoihop always receives everything; this only decides the e-mail."),
    )
    muted_kinds = forms.MultipleChoiceField(
        label=_("Never e-mail me about"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("These kinds still reach your inbox."),
    )
