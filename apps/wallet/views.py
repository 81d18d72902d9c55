"""Thin wallet views: parse, authorise, call one service, render. All money here is demo money."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.selectors import access_person
from apps.chat import selectors as chat_selectors
from apps.core import qr
from apps.core.converters import BadQuery, parse_ids
from apps.core.errors import DomainError, NotFound
from apps.core.web import attempt

from . import selectors, services
from .forms import MoneyForm, NoteMoneyForm, PacketForm, PinChangeForm, PinSetForm
from .money import parse_amount, plain, yuan


def _or_404(fn, *args, **kwargs):
    """`fn(...)`, with a NotFound from a service or selector answered as a 404 page."""
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise Http404 from exc


def _submit_payment(request, form, action):
    """Run a payment from a bound form; put a DomainError on the form (the same key stays, so a retry is safe)."""
    if not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except DomainError as exc:
        field = "amount" if exc.code == "bad_amount" else ("pin" if exc.code.startswith("pin") else None)
        form.add_error(field if field in form.fields else None, str(exc.message))
        if exc.code == "key_reused":  # that key is spent: sending the form again is a new request
            form.data = form.data.copy()
            form.data["key"] = services.new_key()
        return False, None


def _payment_page(request, **extra):
    """The context every page with a PIN-checked payment form needs."""
    return {"has_pin": services.has_pin(request.user), "hide_tabbar": True, **extra}


@login_required
def home(request):
    return render(
        request,
        "wallet/home.html",
        {
            "balance": selectors.balance_of(request.user),
            "recent": selectors.statement(request.user, limit=3),
            "hide_tabbar": True,
        },
    )


@login_required
def topup(request):
    form = MoneyForm(request.POST or None)
    ok, txn = _submit_payment(
        request,
        form,
        lambda d: services.topup(
            actor=request.user, amount=d["amount"], pin=d["pin"], idempotency_key=d["key"]
        ),
    )
    if ok:
        messages.success(
            request, _("Topped up %(amount)s.") % {"amount": yuan(txn.entries.get(amount__gt=0).amount)}
        )
        return redirect("wallet:record", pk=txn.pk)
    profile = services.profile_for(request.user)
    return render(request, "wallet/topup.html", _payment_page(request, form=form, profile=profile))


@login_required
def withdraw(request):
    form = MoneyForm(request.POST or None)
    ok, txn = _submit_payment(
        request,
        form,
        lambda d: services.withdraw(
            actor=request.user, amount=d["amount"], pin=d["pin"], idempotency_key=d["key"]
        ),
    )
    if ok:
        messages.success(request, _("Withdrawal on its way to your card."))
        return redirect("wallet:record", pk=txn.pk)
    profile = services.profile_for(request.user)
    free_left = services.withdrawal_free_left(profile.withdrawn_total)
    return render(
        request,
        "wallet/withdraw.html",
        _payment_page(
            request,
            form=form,
            profile=profile,
            free_left=free_left,
            balance=selectors.balance_of(request.user),
        ),
    )


@login_required
def statement(request):
    kind = request.GET.get("kind", "all")
    kind = kind if kind in selectors.FILTERS else "all"
    month = request.GET.get("month", "")[:7]
    direction = request.GET.get("dir", "")
    records = selectors.statement(request.user, kind=kind, month=month, direction=direction)
    series = selectors.monthly(request.user)
    return render(
        request,
        "wallet/statement.html",
        {
            "records": records,
            "kind": kind,
            "month": month,
            "direction": direction,
            "filters": selectors.filter_labels(),
            "chart": selectors.chart_svg_data(series),
            "series": series,
            "hide_tabbar": True,
        },
    )


@login_required
def statement_csv(request):
    records = selectors.statement(
        request.user,
        kind=request.GET.get("kind", "all"),
        month=request.GET.get("month", "")[:7],
        direction=request.GET.get("dir", ""),
        limit=0,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wallet-statement.csv"'
    response.write("\ufeff")  # so spreadsheet apps read the Chinese names right
    writer = csv.writer(response)
    writer.writerow(["id", "time", "type", "description", "amount_cny", "balance_cny", "note"])
    for r in records:
        writer.writerow(
            [
                r.pk,
                timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                r.entry.transaction.kind,
                _csv_safe(r.title),
                plain(r.amount),
                plain(r.entry.balance_after),
                _csv_safe(r.entry.transaction.memo),
            ]
        )
    return response


def _csv_safe(text: str) -> str:
    """Stop a spreadsheet from running a note as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def record(request, pk: int):
    r = _or_404(selectors.access_record, user=request.user, pk=pk)
    return render(request, "wallet/record.html", {"r": r, "txn": r.entry.transaction, "hide_tabbar": True})


@login_required
def pin(request):
    has = services.has_pin(request.user)
    form = (PinChangeForm if has else PinSetForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if has:
                services.pin_change(
                    actor=request.user, password=d["password"], pin=d["pin"], confirm=d["confirm"]
                )
            else:
                services.pin_set(actor=request.user, pin=d["pin"], confirm=d["confirm"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Payment PIN saved."))
            return redirect(request.GET.get("next") if _safe_next(request) else "wallet:home")
    return render(request, "wallet/pin.html", {"form": form, "has_pin": has, "hide_tabbar": True})


def _safe_next(request) -> bool:
    nxt = request.GET.get("next", "")
    return nxt.startswith("/wallet/") and "//" not in nxt


# --- Transfers ---------------------------------------------------------------------------------------


@login_required
def transfer_to(request, public_id: str):
    try:
        person = access_person(viewer=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc
    form = NoteMoneyForm(request.POST or None)
    ok, t = _submit_payment(
        request,
        form,
        lambda d: services.transfer_create(
            actor=request.user,
            to=person,
            amount=d["amount"],
            note=d["note"],
            pin=d["pin"],
            idempotency_key=d["key"],
        ),
    )
    if ok:
        return redirect("wallet:transfer", pk=t.pk)
    return render(request, "wallet/transfer_new.html", _payment_page(request, form=form, person=person))


@login_required
def transfer_in_chat(request, conversation_id: int):
    """The "Transfer" action in a 1:1 chat's + panel: the form for the other person."""
    conv = _or_404(chat_selectors.access_conversation, user=request.user, pk=conversation_id)
    other = next((m.user for m in chat_selectors.memberships_of(conv) if m.user_id != request.user.pk), None)
    if conv.is_group or other is None:
        raise Http404
    return redirect("wallet:transfer_to", public_id=other.public_id)


@login_required
def transfer(request, pk: int):
    t = _or_404(selectors.access_transfer, user=request.user, pk=pk)
    status = selectors.transfer_status(t)
    return render(request, "wallet/transfer.html", {"t": t, "status": status, "hide_tabbar": True})


@login_required
@require_POST
def transfer_act(request, pk: int, action: str):
    fn = {"accept": services.transfer_accept, "return": services.transfer_return}.get(action)
    if fn is None:
        raise Http404
    _or_404(
        attempt,
        request,
        lambda: fn(actor=request.user, pk=pk),
        success=_("Transfer accepted.") if action == "accept" else _("Transfer returned."),
    )
    return redirect("wallet:transfer", pk=pk)


# --- Red packets -------------------------------------------------------------------------------------


@login_required
def packet_new(request, conversation_id: int):
    conv = _or_404(chat_selectors.access_conversation, user=request.user, pk=conversation_id)
    members = sorted(
        (m.user for m in chat_selectors.memberships_of(conv) if m.user_id != request.user.pk),
        key=lambda u: u.display_name,
    )
    form = PacketForm(request.POST or None, members=members, group=conv.is_group)
    ok, _packet = _submit_payment(
        request,
        form,
        lambda d: services.packet_create(
            actor=request.user,
            conversation_id=conv.pk,
            kind=d["kind"],
            amount=d["amount"],
            count=d.get("count") or 1,
            note=d["note"],
            exclusive_to_id=d.get("exclusive_to") or None,
            pin=d["pin"],
            idempotency_key=d["key"],
        ),
    )
    if ok:
        return redirect("chat:thread", pk=conv.pk)
    return render(
        request,
        "wallet/packet_new.html",
        _payment_page(
            request, form=form, conv=conv, cap=services.packet_cap(), max_shares=services.PACKET_MAX_SHARES
        ),
    )


@login_required
def packet(request, pk: int):
    p = _or_404(selectors.access_packet, user=request.user, pk=pk)
    view = selectors.packet_view(p, request.user)
    return render(request, "wallet/packet.html", {"v": view, "p": p, "hide_tabbar": True})


@login_required
def packet_state(request, pk: int):
    p = _or_404(selectors.access_packet, user=request.user, pk=pk)
    state = services.packet_state(p, request.user)
    return JsonResponse({**state, "url": reverse("wallet:packet", args=[p.pk])})


@login_required
def packets_opened(request):
    try:
        ids = parse_ids(request.GET.get("ids", ""), limit=200)
    except BadQuery as exc:
        return JsonResponse({"error": str(exc.message)}, status=400)
    return JsonResponse({"opened": selectors.grabbed_ids(request.user, ids)})


@login_required
@require_POST
def packet_grab(request, pk: int):
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        grab = services.packet_grab(actor=request.user, pk=pk)
    except NotFound as exc:
        if wants_json:
            return JsonResponse({"ok": False, "message": str(exc.message)}, status=404)
        raise Http404 from exc
    except DomainError as exc:
        if wants_json:
            return JsonResponse({"ok": False, "code": exc.code, "message": str(exc.message)}, status=400)
        messages.error(request, exc.message)
        return redirect("wallet:packet", pk=pk)
    if wants_json:
        return JsonResponse(
            {"ok": True, "amount": yuan(grab.amount), "url": reverse("wallet:packet", args=[pk])}
        )
    return redirect("wallet:packet", pk=pk)


# --- QR: receive and pay -----------------------------------------------------------------------------


def _receive_amount(request) -> int:
    raw = request.GET.get("amount", "")
    if not raw:
        return 0
    try:
        return parse_amount(raw, maximum=services.MAX_PAYMENT)
    except DomainError:
        return 0


@login_required
def receive(request):
    amount = _receive_amount(request)
    token = services.receive_token(user=request.user, amount=amount)
    pay_url = request.build_absolute_uri(reverse("wallet:pay", args=[token]))
    return render(
        request,
        "wallet/receive.html",
        {
            "amount": amount,
            "token": token,
            "pay_url": pay_url,
            "hide_tabbar": True,
            "amount_text": plain(amount) if amount else "",
        },
    )


@login_required
def receive_qr(request, token: str, fmt: str):
    code = _or_404(services.receive_code_read, token)
    if not code.shown_to(request.user) or fmt not in ("svg", "png"):
        raise Http404
    return qr.qr_response(request.build_absolute_uri(reverse("wallet:pay", args=[token])), fmt)


@login_required
def pay(request, token: str):
    code = _or_404(services.receive_code_read, token)
    payee, merchant, fixed = code.payee, code.merchant, code.amount
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and fixed:
        data["amount"] = plain(fixed)
    form = NoteMoneyForm(data)
    ok, txn = _submit_payment(
        request,
        form,
        lambda d: services.payment_post(
            actor=request.user,
            payee=payee,
            merchant=merchant,
            amount=fixed or d["amount"],
            note=d["note"],
            pin=d["pin"],
            idempotency_key=d["key"],
        ),
    )
    if ok:
        messages.success(request, _("Paid %(amount)s.") % {"amount": yuan(txn.payment.amount)})
        return redirect("wallet:record", pk=txn.pk)
    return render(
        request,
        "wallet/pay.html",
        _payment_page(request, form=form, payee=payee, merchant=merchant, fixed=fixed),
    )


@login_required
def merchants(request):
    return render(
        request,
        "wallet/merchants.html",
        {
            "merchants": selectors.merchants(),
            "hide_tabbar": True,
        },
    )


@login_required
def merchant(request, slug: str):
    m = _or_404(selectors.access_merchant, slug=slug)
    token = services.receive_token(user=m.owner, merchant=m)
    return render(
        request,
        "wallet/merchant.html",
        {
            "m": m,
            "token": token,
            "pay_url": request.build_absolute_uri(reverse("wallet:pay", args=[token])),
            "is_owner": m.owner_id == request.user.pk,
            "hide_tabbar": True,
        },
    )
