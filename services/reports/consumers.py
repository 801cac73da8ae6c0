"""What the reports consumer does with each event type it hears: store it once and bring
the aggregates up to date (:func:`services.reports.projection.apply_event`). No commit
here: the consumer commits the tracking row, the stored event and the aggregates together."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from common.messaging.envelope import Event
from common.messaging.topology import SUBSCRIPTIONS
from services.reports.projection import apply_event

HANDLERS: dict[str, Callable[[Session, Event], None]] = dict.fromkeys(
    SUBSCRIPTIONS["reports"], apply_event
)
"""Every subscribed type — org.*, case.*, contact/activity/outcome, referral.*, line.*."""
