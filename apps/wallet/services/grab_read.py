"""The one read behind every red-packet grab: the packet, the grabber's standing in its chat, their share.

In a storm of grabs this read alone answers most of them ("too late", "already opened"), so it is plain SQL
on a cursor: built with Exists/Subquery the ORM costs some 40 times the query, and a raw queryset still
three times it. The rows become model instances with the ORM's own converters (datetimes on SQLite).
"""

from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.chat.models import Conversation, Membership  # only their table names
from apps.core.errors import NotFound
from apps.wallet.models import Grab, RedPacket

_SQL = """
SELECT {packet_columns},
  EXISTS (SELECT 1 FROM {membership} m
          WHERE m.conversation_id = p.conversation_id AND m.user_id = %s AND m.active),
  EXISTS (SELECT 1 FROM {conversation} c WHERE c.id = p.conversation_id AND c.kind = %s),
  s.display_name, s.username,
  {grab_columns}
FROM {packet} p
JOIN {user} s ON s.id = p.sender_id
LEFT JOIN {grab} g ON g.packet_id = p.id AND g.user_id = %s
WHERE p.id = %s
"""


def _columns(alias: str, model) -> str:
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)


def _converters(field) -> list:
    return connection.ops.get_db_converters(field.cached_col) + field.get_db_converters(connection)


@lru_cache(maxsize=8)
def _prepared(vendor: str) -> tuple[str, dict]:
    """The SQL for this database, and per model the fields whose values it returns raw (SQLite's datetimes)."""
    sql = _SQL.format(
        packet_columns=_columns("p", RedPacket),
        grab_columns=_columns("g", Grab),
        membership=Membership._meta.db_table,
        conversation=Conversation._meta.db_table,
        user=User._meta.db_table,
        grab=Grab._meta.db_table,
        packet=RedPacket._meta.db_table,
    )
    raw = {
        model: [(i, f) for i, f in enumerate(model._meta.concrete_fields) if _converters(f)]
        for model in (RedPacket, Grab)
    }
    return sql, raw


def _instance(model, values: tuple, raw: list):
    """A model instance from a row of its concrete fields, converted as the ORM converts them."""
    values = list(values)
    for i, field in raw:
        if values[i] is not None:
            for convert in _converters(field):
                values[i] = convert(values[i], field.cached_col, connection)
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in model._meta.concrete_fields], values)


def packet_for_grab(actor: User, pk) -> RedPacket:
    """The packet `pk` as `actor` may grab it, with `is_direct` (a 1:1 chat), `sender_name` and `my_grab`
    (their share, or None); NotFound if it does not exist or they are not an active member of its chat."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk is None or not 0 < pk < 2**63:
        raise NotFound(_("This red packet was not found."))
    sql, raw = _prepared(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.pk, Conversation.Kind.DIRECT, actor.pk, pk])
        row = cursor.fetchone()
    width = len(RedPacket._meta.concrete_fields)
    if row is None or not row[width]:
        # the same answer for a forged id, a stranger and a member who left
        raise NotFound(_("This red packet was not found."))
    p = _instance(RedPacket, row[:width], raw[RedPacket])
    is_direct, display_name, username = row[width + 1 : width + 4]
    p.is_direct = bool(is_direct)
    p.sender_name = display_name or username  # as str(User)
    grab = row[width + 4 :]
    p.my_grab = _instance(Grab, grab, raw[Grab]) if grab[0] is not None else None
    return p
