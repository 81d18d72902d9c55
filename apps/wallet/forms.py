"""Payment forms: every one carries a hidden idempotency key made when the form is drawn."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RedPacket
from .services import new_key


class PinInput(forms.PasswordInput):
    def __init__(self):
        super().__init__(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "maxlength": "6",
                "autocomplete": "off",
                "class": "pin-input",
            }
        )


class MoneyForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount (¥)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
    )
    pin = forms.CharField(label=_("Payment PIN"), max_length=6, required=False, widget=PinInput())
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", new_key())


class NoteMoneyForm(MoneyForm):
    note = forms.CharField(label=_("Note"), max_length=60, required=False)

    field_order = ["amount", "note", "pin", "key"]


class PacketForm(MoneyForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=RedPacket.Kind.choices,
        initial=RedPacket.Kind.LUCKY,
        widget=forms.RadioSelect,
    )
    count = forms.CharField(
        label=_("Quantity"),
        max_length=4,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    exclusive_to = forms.ChoiceField(label=_("For"), required=False, choices=[])
    note = forms.CharField(
        label=_("Greeting"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Best wishes")}),
    )

    field_order = ["kind", "amount", "count", "exclusive_to", "note", "pin", "key"]

    def __init__(self, *args, members=(), group=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusive_to"].choices = [("", "—")] + [(str(u.pk), u.display_name) for u in members]
        # What the amount means follows the kind (services.packet_create): wallet.js shows the label of the
        # kind picked, from these.
        labels = {
            RedPacket.Kind.LUCKY: _("Total (¥)"),
            RedPacket.Kind.NORMAL: _("Amount each (¥)") if group else _("Amount (¥)"),
            RedPacket.Kind.EXCLUSIVE: _("Amount (¥)"),
        }
        amount = self.fields["amount"]
        amount.widget.attrs.update({f"data-label-{kind}": str(label) for kind, label in labels.items()})
        if not group:
            self.fields["kind"].choices = [(RedPacket.Kind.NORMAL, RedPacket.Kind.NORMAL.label)]
            self.fields["kind"].initial = RedPacket.Kind.NORMAL
            del self.fields["count"]
            del self.fields["exclusive_to"]
        picked = self.data.get("kind") if self.is_bound else None
        amount.label = labels.get(picked, labels[self.fields["kind"].initial])


class PinSetForm(forms.Form):
    pin = forms.CharField(label=_("New payment PIN (6 digits)"), max_length=6, widget=PinInput())
    confirm = forms.CharField(label=_("Enter it again"), max_length=6, widget=PinInput())


class PinChangeForm(PinSetForm):
    password = forms.CharField(
        label=_("Login password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    field_order = ["password", "pin", "confirm"]
