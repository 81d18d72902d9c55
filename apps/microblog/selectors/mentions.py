"""Who an @name is: a public ID first, then a username, case-insensitively, in one query."""

from django.db.models import Q
from django.db.models.functions import Lower

from apps.accounts.models import User


def people_named(names: list[str]) -> dict[str, User]:
    """`{name as written: person}` for the names that are somebody (active); the rest are left out."""
    folded = {name.casefold() for name in names}
    if not folded:
        return {}
    people = list(
        User.objects.filter(is_active=True)
        .annotate(pid=Lower("public_id"), uname=Lower("username"))
        .filter(Q(pid__in=folded) | Q(uname__in=folded))
    )
    by_public_id = {p.pid: p for p in people}
    by_username = {p.uname: p for p in people}
    found = {}
    for name in names:
        key = name.casefold()
        person = by_public_id.get(key) or by_username.get(key)
        if person is not None:
            found[name] = person
    return found
