"""Topics a text carries, found or made by their key, and the activity hot search counts.

Posts, reposts (lane P) and comments (lane C) all call `topics_touch` inside their own transaction, so a
topic gets the same key, the same discussion count and the same hot-search input whoever wrote it.
"""

from datetime import datetime

from django.db.models import F

from apps.accounts.models import User
from apps.core import clock
from apps.microblog import text as weibo_text
from apps.microblog.models import Topic, TopicActivity


def topics_get_or_create(names: list[str], *, at: datetime | None = None) -> list[Topic]:
    """The topics spelled `names` (first spelling kept), made where new; in the order given, each once.

    Three queries whatever the number of topics; two people making the same new topic at once both get the
    one row (the unique key decides, the loser's insert is ignored and it reads the winner's).
    """
    by_key = {weibo_text.topic_key(name): name for name in reversed(names)}  # first spelling wins
    if not by_key:
        return []
    found = {t.key: t for t in Topic.objects.filter(key__in=by_key)}
    missing = [key for key in by_key if key not in found]
    if missing:
        now = at or clock.now()
        Topic.objects.bulk_create(
            [Topic(name=by_key[key], key=key, created_at=now) for key in missing], ignore_conflicts=True
        )
        found.update({t.key: t for t in Topic.objects.filter(key__in=missing)})
    order = [weibo_text.topic_key(name) for name in names]
    return [found[key] for key in dict.fromkeys(order)]


def topics_touch(*, person: User, text: str, at: datetime | None = None) -> list[Topic]:
    """Record that `person` wrote `text` now: its #topics# (made if new) each count one more discussion and
    get a TopicActivity row for hot search. Returns the topics, in the order written."""
    topics = topics_get_or_create(weibo_text.topics_in(text), at=at)
    if not topics:
        return []
    now = at or clock.now()
    Topic.objects.filter(pk__in=[t.pk for t in topics]).update(posts=F("posts") + 1)
    TopicActivity.objects.bulk_create([TopicActivity(topic=t, person=person, at=now) for t in topics])
    return topics
