"""Every money-moving action, one module per domain; callers use `from apps.wallet import services`.

Each action is rate-limited, PIN-checked and idempotent (`guard`) and posted through `ledger.ledger_post`.

- `accounts`: balance accounts, the payment profile and the PIN
- `guard`: idempotency keys, the payment rate limit, the PIN check before money moves
- `bank`: top-up and withdrawal
- `transfers`, `packets`: money held on a chat card (`cards`) for 24 hours
- `expiry`: the refunds the periodic job (registered in apps.wallet.apps with apps.core.periodic) applies; pages never refund (a page
  shows an expired transfer or packet as expired, read-only, through apps.wallet.selectors)
- `payments`: QR payments
"""

from apps.wallet.ledger import InsufficientBalance
from apps.wallet.money import BadAmount

from .accounts import (
    PIN_LOCK,
    PIN_TRIES,
    PinError,
    PinLocked,
    account_for,
    accounts_for,
    has_pin,
    pin_change,
    pin_check,
    pin_set,
    profile_for,
)
from .bank import FREE_WITHDRAWAL, topup, withdraw, withdrawal_fee, withdrawal_free_left
from .cards import HOLD_FOR
from .expiry import wallet_expire_due
from .guard import MAX_PAYMENT, PAY_LIMIT, PAY_WINDOW, KeyReused, new_key
from .packets import (
    PACKET_MAX,
    PACKET_MAX_SHARES,
    PACKET_MAX_SPECIAL,
    TooLate,
    grab_refusal,
    packet_cap,
    packet_create,
    packet_grab,
    packet_payload,
    packet_state,
)
from .payments import ReceiveCode, payment_create, payment_post, receive_code_read, receive_token
from .transfers import (
    transfer_accept,
    transfer_create,
    transfer_payload,
    transfer_return,
)

__all__ = [
    "FREE_WITHDRAWAL",
    "HOLD_FOR",
    "MAX_PAYMENT",
    "PACKET_MAX",
    "PACKET_MAX_SHARES",
    "PACKET_MAX_SPECIAL",
    "PAY_LIMIT",
    "PAY_WINDOW",
    "PIN_LOCK",
    "PIN_TRIES",
    "BadAmount",
    "InsufficientBalance",
    "KeyReused",
    "PinError",
    "PinLocked",
    "ReceiveCode",
    "TooLate",
    "account_for",
    "accounts_for",
    "grab_refusal",
    "has_pin",
    "new_key",
    "packet_cap",
    "packet_create",
    "packet_grab",
    "packet_payload",
    "packet_state",
    "payment_create",
    "payment_post",
    "pin_change",
    "pin_check",
    "pin_set",
    "profile_for",
    "receive_code_read",
    "receive_token",
    "topup",
    "transfer_accept",
    "transfer_create",
    "transfer_payload",
    "transfer_return",
    "wallet_expire_due",
    "withdraw",
    "withdrawal_fee",
    "withdrawal_free_left",
]
