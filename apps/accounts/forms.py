from django import forms
from django.conf import settings
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User


class SignupForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "display_name")
        labels = {"username": _("Username"), "display_name": _("Name others see")}
        help_texts = {"username": _("Letters, digits and @/./+/-/_ only. You log in with it.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["display_name"].widget.attrs.update(autocomplete="nickname")
        self.fields["display_name"].required = True


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "bio", "region", "gender")


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label=_("New avatar"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class PublicIdForm(forms.Form):
    public_id = forms.CharField(label=_("New ID"), max_length=20)


class SettingsForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ("language", "findable_by_id", "addable_by_qr", "send_read_receipts")


class FriendRequestForm(forms.Form):
    message = forms.CharField(label=_("Verification message"), max_length=60, required=False)
    source = forms.ChoiceField(
        choices=[("search", "search"), ("qr", "qr"), ("profile", "profile")], required=False
    )


class AcceptForm(forms.Form):
    remark = forms.CharField(label=_("Remark"), max_length=40, required=False)


class RemarkForm(forms.Form):
    remark = forms.CharField(label=_("Remark"), max_length=40, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Public ID"), max_length=40, required=False)
