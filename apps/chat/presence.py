"""Online now / last seen: open tabs counted per person in the shared cache (Redis across processes)."""

from django.core.cache import cache
from django.db import IntegrityError
from django.utils import timezone

from apps.accounts.selectors import friend_ids_of
from apps.chat.models import ChatProfile
from apps.core import clock
from apps.core.events import publish

TTL = 24 * 3600  # a crashed process can leave a count behind: it lapses after a day


def _key(user_id: int) -> str:
    return f"chat.presence:{user_id}"


def _tell_friends(user, online: bool, last_seen) -> None:
    publish(
        user_ids=friend_ids_of(user),
        type="chat.presence",
        data={"user": user.pk, "online": online, "last_seen": last_seen.isoformat() if last_seen else None},
    )


def connected(*, user) -> None:
    key = _key(user.pk)
    if cache.add(key, 1, TTL):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.add(key, 1, TTL)
            count = 1
    if count == 1:
        _tell_friends(user, True, None)


def disconnected(*, user) -> None:
    key = _key(user.pk)
    try:
        count = cache.decr(key)
    except ValueError:
        count = 0
    if count <= 0:
        cache.delete(key)
        now = clock.now()
        try:
            ChatProfile.objects.update_or_create(user=user, defaults={"last_seen": now})
        except IntegrityError:  # the account was deleted while the tab was open
            return
        _tell_friends(user, False, now)


def is_online(user_id: int) -> bool:
    return (cache.get(_key(user_id)) or 0) > 0


def status(user_id: int) -> dict:
    online = is_online(user_id)
    last_seen = None
    if not online:
        last_seen = ChatProfile.objects.filter(user_id=user_id).values_list("last_seen", flat=True).first()
    return {
        "user": user_id,
        "online": online,
        "last_seen": timezone.localtime(last_seen).isoformat() if last_seen else None,
    }
