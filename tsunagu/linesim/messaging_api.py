"""The Messaging API endpoints line-bot-sdk v3 calls, answering as LINE documents them:
errors are ``{"message": ..., "details"?: [...]}``, every answer carries
``X-Line-Request-Id``, and the bearer token must be the channel's access token."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, request

from tsunagu.linesim.state import (
    MonthlyLimitReached,
    ReplyTokenInvalid,
    RetryKeyAccepted,
    SimulatorState,
    UnknownRecipient,
    new_request_id,
)

api = Blueprint("linesim_api", __name__)

MESSAGE_TYPES = {
    "text",
    "textV2",
    "sticker",
    "image",
    "video",
    "audio",
    "location",
    "imagemap",
    "template",
    "flex",
}
MAX_MESSAGES = 5
MAX_TEXT = 5000
RETRY_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

AUTH_REQUIRED = (
    "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
)
AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
TOO_MANY_REQUESTS = "Too many requests"
MONTHLY_LIMIT = "You have reached your monthly limit."
INVALID_REPLY_TOKEN = "Invalid reply token"  # noqa: S105 - LINE's message, not a secret


def state() -> SimulatorState:
    return current_app.extensions["linesim"].state


def line_answer(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    response = Response(text, status=status, mimetype="application/json")
    response.headers["X-Line-Request-Id"] = new_request_id()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def line_error(status: int, message: str, details: list[dict[str, str]] | None = None) -> Response:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return line_answer(status, body)


def messaging_api(view: Callable[..., Response]) -> Callable[..., Response]:
    """Bearer check, then the switchable rate limit, in LINE's order."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return line_error(401, AUTH_REQUIRED)
        expected = current_app.extensions["linesim"].config.channel_access_token
        if not hmac.compare_digest(header[len("Bearer ") :].encode(), expected.encode()):
            return line_error(401, AUTH_FAILED)
        if state().rate_limited:
            return line_error(429, TOO_MANY_REQUESTS)
        return view(*args, **kwargs)

    return guarded


def body_error(where: str, message: str) -> Response:
    return line_error(
        400, "The request body has 1 error(s)", [{"message": message, "property": where}]
    )


def _json_body() -> dict[str, Any] | Response:
    try:
        body = json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeDecodeError):
        return body_error("body", "Invalid JSON")
    if not isinstance(body, dict):
        return body_error("body", "must be an object")
    return body


def _message_errors(messages: Any) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        return [{"message": "must be specified", "property": "messages"}]
    if len(messages) > MAX_MESSAGES:
        return [{"message": f"Size must be between 1 and {MAX_MESSAGES}", "property": "messages"}]
    errors = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
            errors.append({"message": "Invalid message type", "property": f"{where}.type"})
            continue
        if message["type"] in {"text", "textV2"}:
            text = message.get("text")
            if not isinstance(text, str) or not text:
                errors.append({"message": "must be specified", "property": f"{where}.text"})
            elif len(text) > MAX_TEXT:
                errors.append(
                    {
                        "message": f"Length must be between 0 and {MAX_TEXT}",
                        "property": f"{where}.text",
                    }
                )
    return errors


def _bad_messages(messages: Any) -> Response | None:
    errors = _message_errors(messages)
    if errors:
        return line_error(400, f"The request body has {len(errors)} error(s)", errors)
    return None


@api.post("/v2/bot/message/reply")
@messaging_api
def reply() -> Response:
    if "X-Line-Retry-Key" in request.headers:
        return line_error(400, "X-Line-Retry-Key is not supported by this API")
    body = _json_body()
    if isinstance(body, Response):
        return body
    token = body.get("replyToken")
    if not isinstance(token, str) or not token:
        return body_error("replyToken", "must be specified")
    if (bad := _bad_messages(body.get("messages"))) is not None:
        return bad
    try:
        user = state().redeem_reply_token(token)
    except ReplyTokenInvalid:
        return line_error(400, INVALID_REPLY_TOKEN)
    sent = state().deliver_out(user, body["messages"], "reply")  # replies are free: not counted
    return line_answer(200, {"sentMessages": sent})


@api.post("/v2/bot/message/push")
@messaging_api
def push() -> Response:
    retry_key = request.headers.get("X-Line-Retry-Key")
    if retry_key is not None and not RETRY_KEY.match(retry_key):
        return line_error(400, "The value for the 'X-Line-Retry-Key' header is invalid")
    body = _json_body()
    if isinstance(body, Response):
        return body
    to = body.get("to")
    if not isinstance(to, str) or not to:
        return body_error("to", "must be specified")
    if (bad := _bad_messages(body.get("messages"))) is not None:
        return bad
    request_id = new_request_id()
    try:
        sent = state().push(to, body["messages"], retry_key, request_id)
    except RetryKeyAccepted as accepted:
        return line_answer(
            409,
            {"message": "The retry key is already accepted", "sentMessages": accepted.sent},
            {"x-line-accepted-request-id": accepted.request_id},
        )
    except UnknownRecipient:
        return line_error(400, "Failed to send messages")
    except MonthlyLimitReached:
        return line_error(429, MONTHLY_LIMIT)
    answer = line_answer(200, {"sentMessages": sent})
    answer.headers["X-Line-Request-Id"] = request_id  # the id a later 409 names
    return answer


@api.get("/v2/bot/message/quota")
@messaging_api
def quota() -> Response:
    return line_answer(200, {"type": "limited", "value": state().monthly_limit})


@api.get("/v2/bot/message/quota/consumption")
@messaging_api
def quota_consumption() -> Response:
    return line_answer(200, {"totalUsage": state().total_usage()})


@api.get("/v2/bot/profile/<user_id>")
@messaging_api
def profile(user_id: str) -> Response:
    user = state().user(user_id)
    if user is None or user.friendship != "friend":
        return line_error(404, "Not found")
    return line_answer(
        200,
        {
            "displayName": user.display_name,
            "userId": user.user_id,
            "language": user.language,
            "statusMessage": user.status_message,
        },
    )


@api.post("/v2/bot/chat/loading/start")
@messaging_api
def loading_start() -> Response:
    body = _json_body()
    if isinstance(body, Response):
        return body
    seconds = body.get("loadingSeconds", 20)
    valid = isinstance(seconds, int) and not isinstance(seconds, bool)
    if not valid or not (5 <= seconds <= 60) or seconds % 5:
        return body_error("loadingSeconds", "must be a multiple of 5 between 5 and 60")
    chat_id = body.get("chatId")
    user = state().user(chat_id) if isinstance(chat_id, str) else None
    if user is None or user.friendship != "friend":
        return body_error("chatId", "Invalid chatId")
    with state().lock:
        user.loading_until_ms = state().now_ms() + seconds * 1000
    return line_answer(202, {})


@api.post("/v2/bot/chat/markAsRead")
@messaging_api
def mark_as_read() -> Response:
    """Marks the user's messages read (既読) up to the one whose ``markAsReadToken`` it is."""
    body = _json_body()
    if isinstance(body, Response):
        return body
    token = body.get("markAsReadToken")
    if not isinstance(token, str) or not state().mark_read(token):
        return body_error("markAsReadToken", "Invalid markAsReadToken")
    return line_answer(200, {})


@api.get("/v2/bot/message/<message_id>/content")
@messaging_api
def content(message_id: str) -> Response:
    """On LINE this lives on the api-data host; the simulator serves both hosts on one port."""
    stored = state().contents.get(message_id)
    if stored is None:
        return line_error(404, "Not found")
    response = Response(stored.data, status=200, mimetype=stored.content_type)
    response.headers["X-Line-Request-Id"] = new_request_id()
    return response
