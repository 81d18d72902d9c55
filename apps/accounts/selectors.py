"""Reads about people and their contacts. `access_*` functions fetch and authorise in one step."""

from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from pypinyin import Style, lazy_pinyin

from apps.accounts.models import Block, FriendRequest, Friendship, User
from apps.core import badges
from apps.core.errors import NotFound


def is_blocked_between(a: User, b: User) -> bool:
    """Whether either person has blocked the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def has_blocked(blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def are_friends(a: User, b: User) -> bool:
    """Friends both ways: each has the other in their contacts."""
    return Friendship.objects.filter(Q(owner=a, friend=b) | Q(owner=b, friend=a)).count() == 2


def can_message(sender: User, recipient: User) -> bool:
    """Whether `sender` may start or continue a 1:1 chat with `recipient` (friends, no block)."""
    return are_friends(sender, recipient) and not is_blocked_between(sender, recipient)


# The Contacts tab's badge, on every page with the tab bar: one plain statement (the (to_user, status) index
# answers it) that the tab bar reads together with the other tabs' counts (apps.core.badges).
PENDING_REQUESTS = badges.SQLCount(
    "SELECT COUNT(*) FROM {table} WHERE {to_user} = %s AND {status} = %s".format(  # noqa: S608
        table=FriendRequest._meta.db_table,  # the names come from the model; every value is a parameter
        to_user=FriendRequest._meta.get_field("to_user").column,
        status=FriendRequest._meta.get_field("status").column,
    ),
    params=lambda user: [user.pk, FriendRequest.Status.PENDING],
)


def pending_request_count(user: User) -> int:
    return PENDING_REQUESTS.of(user)


def pending_requests_for(user: User) -> QuerySet[FriendRequest]:
    return (
        FriendRequest.objects.filter(to_user=user)
        .exclude(from_user__in=Block.objects.filter(blocker=user).values("blocked"))
        .select_related("from_user")
        .order_by("status", "-created_at")[:100]
    )


def remarks_of(owner: User) -> dict[int, str]:
    """The names `owner` gave their contacts, by user id (only `owner` ever sees them)."""
    return dict(Friendship.objects.filter(owner=owner).exclude(remark="").values_list("friend_id", "remark"))


@lru_cache(maxsize=20_000)
def index_letter(name: str) -> str:
    """The A–Z heading a name sorts under, using pinyin for Chinese; '#' for anything else."""
    first = name.strip()[:1]
    if not first:
        return "#"
    letter = lazy_pinyin(first, style=Style.FIRST_LETTER, errors="default")[0][:1].upper()
    return letter if "A" <= letter <= "Z" else "#"


@lru_cache(maxsize=20_000)  # pinyin lookups dominate a long contact list; names rarely change
def _sort_key(name: str) -> tuple[str, str]:
    return (index_letter(name).replace("#", "~"), "".join(lazy_pinyin(name)).lower())


@dataclass(frozen=True)
class Contact:
    user: User
    name: str
    letter: str


def contacts_of(user: User) -> list[tuple[str, list[Contact]]]:
    """The person's friends grouped under A–Z headings, by remark or name, as WeChat lists them."""
    rows = Friendship.objects.filter(owner=user, friend__is_active=True).select_related("friend")
    contacts = [Contact(f.friend, f.remark or f.friend.display_name, "") for f in rows]
    contacts = [Contact(c.user, c.name, index_letter(c.name)) for c in contacts]
    contacts.sort(key=lambda c: _sort_key(c.name))
    return [(letter, list(group)) for letter, group in groupby(contacts, key=lambda c: c.letter)]


def friend_ids_of(user: User) -> list[int]:
    return list(Friendship.objects.filter(owner=user).values_list("friend_id", flat=True))


def access_person(*, viewer: User, public_id: str) -> User:
    """The person with this public ID as `viewer` may see them; blocked-by or inactive looks missing."""
    person = User.objects.filter(public_id__iexact=public_id, is_active=True).first()
    if person is None or (person != viewer and has_blocked(person, viewer)):
        raise NotFound()
    return person


def search_by_id(*, viewer: User, query: str) -> User | None:
    """Exact search by public ID, as WeChat does: only people who allow it and haven't blocked you."""
    query = query.strip().lstrip("@")
    if not query:
        return None
    blocked_me = Block.objects.filter(blocker=OuterRef("pk"), blocked=viewer)
    return (
        User.objects.filter(Q(public_id__iexact=query) | Q(username__iexact=query), is_active=True)
        .filter(Q(findable_by_id=True) | Q(pk=viewer.pk))
        .exclude(Exists(blocked_me))
        .first()
    )


@dataclass(frozen=True)
class Relationship:
    is_self: bool = False
    is_friend: bool = False  # in my contacts
    they_have_me: bool = False
    request_sent: FriendRequest | None = None
    request_received: FriendRequest | None = None
    i_blocked: bool = False
    remark: str = ""


def relationship(viewer: User, person: User) -> Relationship:
    if viewer == person:
        return Relationship(is_self=True)
    mine = Friendship.objects.filter(owner=viewer, friend=person).first()
    pending = {
        r.from_user_id: r
        for r in FriendRequest.objects.filter(
            Q(from_user=viewer, to_user=person) | Q(from_user=person, to_user=viewer),
            status=FriendRequest.Status.PENDING,
        )
    }
    return Relationship(
        is_friend=mine is not None,
        they_have_me=Friendship.objects.filter(owner=person, friend=viewer).exists(),
        request_sent=pending.get(viewer.pk),
        request_received=pending.get(person.pk),
        i_blocked=has_blocked(viewer, person),
        remark=mine.remark if mine else "",
    )


def people_you_may_know(user: User, *, limit: int = 5) -> list[User]:
    """Friends of friends you haven't added, most mutual friends first (QQ's 可能认识的人)."""
    my_friends = Friendship.objects.filter(owner=user).values("friend")
    blocked_either_way = Block.objects.filter(Q(blocker=user) | Q(blocked=user))
    pending = FriendRequest.objects.filter(
        Q(from_user=user) | Q(to_user=user), status=FriendRequest.Status.PENDING
    )
    excluded = {
        *blocked_either_way.values_list("blocker", flat=True),
        *blocked_either_way.values_list("blocked", flat=True),
        *pending.values_list("from_user", flat=True),  # already listed above the suggestions
        *pending.values_list("to_user", flat=True),
    }
    return list(
        User.objects.filter(is_active=True, friendships__friend__in=my_friends)
        .exclude(pk=user.pk)
        .exclude(pk__in=my_friends)
        .exclude(pk__in=excluded)
        .annotate(mutual=Count("friendships", filter=Q(friendships__friend__in=my_friends)))
        .order_by("-mutual", "display_name")[:limit]
    )


def blocked_by(user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")
