"""Reading people on Weibo: follow counts, how the viewer and a person follow each other, following/fans lists."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from apps.accounts.models import Block, User
from apps.microblog.models import Follow

PAGE_SIZE = 30


@dataclass(frozen=True)
class Relation:
    i_follow: bool
    follows_me: bool

    @property
    def mutual(self) -> bool:
        return self.i_follow and self.follows_me


def follow_counts(person: User) -> tuple[int, int]:
    """(how many `person` follows, how many fans they have): one query."""
    following = Follow.objects.filter(fan=OuterRef("pk")).order_by().values("fan").annotate(n=Count("pk"))
    fans = (
        Follow.objects.filter(followee=OuterRef("pk")).order_by().values("followee").annotate(n=Count("pk"))
    )
    row = (
        User.objects.filter(pk=person.pk)
        .values_list(Subquery(following.values("n")), Subquery(fans.values("n")))
        .get()
    )
    return row[0] or 0, row[1] or 0


def relation(viewer: User, person: User) -> Relation:
    """Whether `viewer` follows `person` and the other way round: one query."""
    fans = set(
        Follow.objects.filter(Q(fan=viewer, followee=person) | Q(fan=person, followee=viewer)).values_list(
            "fan_id", flat=True
        )
    )
    return Relation(i_follow=viewer.pk in fans and viewer.pk != person.pk, follows_me=person.pk in fans)


def _people_page(follows, other: str, viewer: User, before: int | None, size: int):
    """A page of Follow rows, newest first from cursor `before`, each with `.person` (the other side) and the
    viewer's relation to them; people the viewer blocked are left out. One query."""
    blocked = Block.objects.filter(blocker=viewer).values("blocked")
    follows = (
        follows.exclude(**{f"{other}__in": blocked})
        .select_related(other)
        .annotate(
            i_follow=Exists(Follow.objects.filter(fan=viewer, followee=OuterRef(other))),
            follows_me=Exists(Follow.objects.filter(fan=OuterRef(other), followee=viewer)),
        )
        .order_by("-pk")
    )
    if before is not None:
        follows = follows.filter(pk__lt=before)
    rows = list(follows[: size + 1])
    for row in rows:
        row.person = getattr(row, other)
        row.relation = Relation(i_follow=row.i_follow, follows_me=row.follows_me)
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def following_of(person: User, viewer: User, *, before: int | None = None, size: int = PAGE_SIZE):
    """Whom `person` follows, newest first: (rows, next cursor)."""
    return _people_page(Follow.objects.filter(fan=person), "followee", viewer, before, size)


def fans_of(person: User, viewer: User, *, before: int | None = None, size: int = PAGE_SIZE):
    """Who follows `person`, newest first: (rows, next cursor)."""
    return _people_page(Follow.objects.filter(followee=person), "fan", viewer, before, size)
