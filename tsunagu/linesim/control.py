"""``/_sim/...``: the simulator's own JSON API. The page and the tests act as LINE users
through it (each action sends a signed webhook) and read what the bot sent. It has no
authentication: the simulator is a local development tool and binds to 127.0.0.1."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import Field

from common.errors import Conflict, FieldError, NotFound, ValidationFailed
from common.http.validation import Body, parse_body
from tsunagu.linesim import webhook
from tsunagu.linesim.state import (
    SimulatorState,
    SimUser,
    StoredContent,
    chat_item_json,
    user_json,
)

control = Blueprint("linesim_control", __name__, url_prefix="/_sim")

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""LINE's own limit for an image a user sends."""

IMAGE_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


class NewUser(Body):
    display_name: str = Field(min_length=1, max_length=20)  # LINE's display-name limit
    language: Literal["ja", "en"] = "ja"


class TextIn(Body):
    type: Literal["text"]
    text: str = Field(min_length=1, max_length=5000)


class StickerIn(Body):
    type: Literal["sticker"]
    package_id: str = Field(pattern=r"^\d{1,12}$")
    sticker_id: str = Field(pattern=r"^\d{1,12}$")


class ImageIn(Body):
    type: Literal["image"]
    content_type: Literal["image/jpeg", "image/png", "image/gif"]
    data_base64: str = Field(min_length=4, max_length=MAX_IMAGE_BYTES * 4 // 3 + 4)


class MessageIn(Body):
    message: Annotated[TextIn | StickerIn | ImageIn, Field(discriminator="type")]


class PostbackIn(Body):
    data: str = Field(min_length=1, max_length=300)
    display_text: str | None = Field(default=None, min_length=1, max_length=300)
    params: dict[str, Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=4
    )


class UnsendIn(Body):
    message_id: str = Field(pattern=r"^\d{1,30}$")


class SettingsIn(Body):
    rate_limited: bool | None = None
    webhook_url: str | None = Field(
        default=None, max_length=2000, pattern=r"^https?://[^\s]+$", description="Where events go"
    )
    monthly_limit: int | None = Field(default=None, ge=0, le=10_000_000)


def sim() -> Any:
    return current_app.extensions["linesim"]


@control.before_request
def _webhook_first() -> None:
    """A user action sends a webhook: without a URL it is refused before it changes anything."""
    if request.method == "POST" and request.path.count("/") >= 4:  # /_sim/users/<id>/<action>
        sim().target  # noqa: B018 - raises Conflict when no URL is set


def state() -> SimulatorState:
    return sim().state


def _user(user_id: str) -> SimUser:
    user = state().user(user_id)
    if user is None:
        raise NotFound("No such simulated user")
    return user


def _friend(user: SimUser) -> None:
    if user.friendship != "friend":
        raise Conflict("The user is not a friend of the bot: follow first", code="not_friend")


def _send(events: list[dict[str, Any]]) -> Response:
    delivery = webhook.send(state(), sim().target, events)
    return jsonify(
        {
            "events": events,
            "webhook": {"status": delivery.status, "error": delivery.error},
        }
    )


@control.get("/state")
def overview() -> Response:
    config = sim().config
    now_ms = state().now_ms()
    with state().lock:
        users = [user_json(u, now_ms) for u in state().users.values()]
    return jsonify(
        {
            "webhook_url": sim().webhook_url,
            "bot_user_id": config.bot_user_id,
            "monthly_limit": state().monthly_limit,
            "total_usage": state().total_usage(),
            "rate_limited": state().rate_limited,
            "users": users,
        }
    )


@control.post("/users")
def add_user() -> tuple[Response, int]:
    body = parse_body(NewUser)
    user = state().add_user(body.display_name, body.language)
    return jsonify(user_json(user, state().now_ms())), 201


@control.get("/users/<user_id>/chat")
def chat(user_id: str) -> Response:
    user = _user(user_id)
    with state().lock:
        items = [chat_item_json(item) for item in user.chat]
    return jsonify({"user": user_json(user, state().now_ms()), "items": items})


@control.post("/users/<user_id>/follow")
def follow(user_id: str) -> Response:
    """Add as friend; after a block this is LINE's unblock (``isUnblocked: true``)."""
    user = _user(user_id)
    with state().lock:
        if user.friendship == "friend":
            raise Conflict("Already a friend", code="already_friend")
        is_unblocked = user.friendship == "blocked"
        user.friendship = "friend"
    return _send([webhook.follow_event(state(), user, is_unblocked)])


@control.post("/users/<user_id>/block")
def block(user_id: str) -> Response:
    user = _user(user_id)
    with state().lock:
        _friend(user)
        user.friendship = "blocked"
    return _send([webhook.unfollow_event(state(), user)])


@control.post("/users/<user_id>/messages")
def send_message(user_id: str) -> Response:
    user = _user(user_id)
    body = parse_body(MessageIn).message
    _friend(user)
    message_id = state().next_message_id()
    message: dict[str, Any] = {
        "id": message_id,
        "type": body.type,
        "quoteToken": webhook.new_quote_token(),
        "markAsReadToken": webhook.new_quote_token(),
    }
    if isinstance(body, TextIn):
        message["text"] = body.text
    elif isinstance(body, StickerIn):
        message.update(
            packageId=body.package_id,
            stickerId=body.sticker_id,
            stickerResourceType="STATIC",
            keywords=[],
        )
    else:
        data = _image_bytes(body)
        state().contents[message_id] = StoredContent(data, body.content_type)
        message["contentProvider"] = {"type": "line"}
    state().record_in(user, message)
    return _send([webhook.message_event(state(), user, message)])


def _image_bytes(body: ImageIn) -> bytes:
    try:
        data = base64.b64decode(body.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            FieldError("message.data_base64", "Not valid base64", "base64")
        ) from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed(FieldError("message.data_base64", "Image over 10 MB", "too_large"))
    if not data.startswith(IMAGE_SIGNATURES[body.content_type]):
        raise ValidationFailed(
            FieldError("message.data_base64", "Not an image of that type", "content_type")
        )
    return data


@control.post("/users/<user_id>/postback")
def postback(user_id: str) -> Response:
    """A postback action pressed (quick reply or template button); its ``displayText``, if
    any, shows in the chat as the user's words, as in the LINE app."""
    user = _user(user_id)
    body = parse_body(PostbackIn)
    _friend(user)
    if body.display_text:
        state().record_in(user, {"type": "postback", "text": body.display_text, "data": body.data})
    return _send([webhook.postback_event(state(), user, body.data, body.params)])


@control.post("/users/<user_id>/unsend")
def unsend(user_id: str) -> Response:
    user = _user(user_id)
    body = parse_body(UnsendIn)
    _friend(user)
    if not state().mark_unsent(user, body.message_id):
        raise NotFound("No such message from this user")
    return _send([webhook.unsend_event(state(), user, body.message_id)])


@control.post("/events/<webhook_event_id>/redeliver")
def redeliver(webhook_event_id: str) -> Response:
    delivery = state().find_delivery(webhook_event_id)
    if delivery is None:
        raise NotFound("No webhook delivery with that webhookEventId")
    again = webhook.redeliver(state(), sim().target, delivery)
    return jsonify(
        {"events": again.events, "webhook": {"status": again.status, "error": again.error}}
    )


@control.get("/deliveries")
def deliveries() -> Response:
    with state().lock:
        items = [webhook.delivery_json(d) for d in state().deliveries]
    return jsonify({"items": items})


@control.get("/sent")
def sent() -> Response:
    """What the bot sent (reply and push), oldest first, for tests and the demo seeding."""
    return jsonify({"items": state().bot_messages()})


@control.put("/settings")
def settings() -> Response:
    body = parse_body(SettingsIn)
    with state().lock:
        if body.rate_limited is not None:
            state().rate_limited = body.rate_limited
        if body.monthly_limit is not None:
            state().monthly_limit = body.monthly_limit
        if body.webhook_url is not None:
            sim().webhook_url = body.webhook_url
    return overview()
