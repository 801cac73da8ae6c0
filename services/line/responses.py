"""The shapes of the LINE desk's success answers, as its OpenAPI document declares them
(``endpoint(response=...)``). The operations build plain dicts (services/line/operations/
channels.py and conversations.py); these models only describe them, and the fuzz tier
(tests/fuzz) checks every answer against them. No answer carries a LINE user id or a
channel secret; a model that named one would be a finding.

A field that only some messages carry (an outbound one's delivery, an inbound one's details,
stored media) has a default of None: the model then accepts its absence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.http.openapi import Answer


class WebhookStored(Answer):
    """How many of the body's events were new (a redelivery stores nothing)."""

    stored: int


class HoursAnswer(Answer):
    open: str
    close: str
    weekdays: list[int]
    closed_days: list[str]


class UsageAnswer(Answer):
    """Pushes sent this month, and LINE's quota as last read (null until read)."""

    pushes_this_month: int
    quota: int | None
    quota_type: str | None
    consumed: int | None
    read_at: datetime | None
    warning: bool


class ChannelAnswer(Answer):
    id: str
    org_id: str
    name: str
    channel_id: str
    bot_user_id: str
    webhook_url: str
    hours: HoursAnswer
    out_of_hours_message: str | None
    assignment_cap: int
    usage: UsageAnswer
    created_at: datetime


class FriendsAnswer(Answer):
    channel_id: str
    fiscal_year: int
    new_friends: int
    refollows: int
    blocks: int
    friends_now: int


class ConversationSummary(Answer):
    id: str
    channel_id: str
    status: str
    risk: str
    waiting_since: datetime | None
    last_message_at: datetime
    assigned_to: str | None
    unread: int
    out_of_hours: bool


class ClosedConversation(ConversationSummary):
    closed_at: datetime | None


class MediaAnswer(Answer):
    status: str
    content_type: str | None
    size: int | None


class MessageAnswer(Answer):
    id: str
    direction: str
    type: str
    text: str | None
    at: datetime
    by: str | None
    redacted: bool
    delivery: str | None = None
    system: bool | None = None
    details: dict[str, Any] | None = None
    media: MediaAnswer | None = None


class ConversationDetail(ConversationSummary):
    case_id: str | None
    summary: str | None
    opened_at: datetime
    closed_at: datetime | None
    messages: list[MessageAnswer]


class CaseOpened(Answer):
    case_id: str
    conversation_id: str
