"""The one websocket consumer: one per browser tab, carrying every feature's events."""

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.core import badges, events, realtime
from apps.core.errors import DomainError
from apps.core.events import user_group

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 64 * 1024


class RealtimeConsumer(AsyncWebsocketConsumer):
    """Joins the person's group, pushes their events, and answers their requests with ack or error."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.user = user
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        for hook in realtime.connect_hooks():
            await database_sync_to_async(hook)(user=user)
        await self.send_event(
            {"type": "hello", "data": {"badges": await database_sync_to_async(badges.counts_for)(user)}}
        )

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            for hook in realtime.disconnect_hooks():
                await database_sync_to_async(hook)(user=self.user)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(None, "too_large", _("That message is too large."))
            return
        try:
            request = json.loads(text_data)
        except ValueError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("type"), str):
            await self.send_error(None, "malformed", _("That request could not be read."))
            return
        ref = request.get("ref")
        if not isinstance(ref, (str, int, type(None))):
            ref = None
        if request["type"] == "ping":
            # Re-join on every heartbeat: a restarted Redis forgets group memberships (the core
            # channels-redis layer) and the in-memory layer expires them after a day; this brings
            # live delivery back within one heartbeat without a reload. Adding twice is harmless.
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.send_event({"type": "pong", "ref": ref})
            return
        handler = realtime.handler_for(request["type"])
        data = request.get("data") or {}
        if handler is None or not isinstance(data, dict):
            await self.send_error(ref, "unknown", _("That request is not understood."))
            return
        held: list = []
        token = events.outbox.set(held)
        try:
            result = await database_sync_to_async(handler)(user=self.user, data=data)
        except DomainError as exc:
            await self.send_error(ref, exc.code, str(exc.message))
        except PermissionDenied:
            await self.send_error(ref, "forbidden", _("You can't do that."))
        except Exception:
            logger.exception("websocket handler %s failed", request["type"])
            await self.send_error(ref, "server_error", _("Something went wrong. Please try again."))
        else:
            await self.send_event({"type": "ack", "ref": ref, "data": result or {}})
        finally:
            events.outbox.reset(token)
        if held:
            try:
                await events.deliver_async(held)
            except Exception:  # a layer outage: logged; clients catch up from the database
                logger.exception("delivering events of %s failed", request["type"])

    async def event_push(self, message):
        """A published event for this person (see apps.core.events), already serialised once for all."""
        if "text" in message:
            await self.send(text_data=message["text"])
        else:
            await self.send_event(message["event"])

    async def send_event(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event, ensure_ascii=False))

    async def send_error(self, ref, code: str, message: str) -> None:
        await self.send_event({"type": "error", "ref": ref, "data": {"code": code, "message": message}})
