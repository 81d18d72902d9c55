from django import forms
from django.utils.translation import gettext_lazy as _


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name (optional)"), max_length=40, required=False)
    members = forms.TypedMultipleChoiceField(label=_("Friends"), coerce=int, choices=())

    def __init__(self, *args, friends=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(c.user.pk, c.name) for c in friends]


class AnnouncementForm(forms.Form):
    announcement = forms.CharField(
        label=_("Group announcement"), max_length=1000, required=False, widget=forms.Textarea
    )


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=40)


class PatForm(forms.Form):
    pat_suffix = forms.CharField(
        label=_("Pat-pat suffix"),
        max_length=20,
        required=False,
        help_text=_('Shown after your name when someone pats you, e.g. "\'s shoulder".'),
    )
