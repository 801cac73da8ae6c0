"""The one way a consumer reads an event's ``data``: a pydantic model per event type.

    class ConsentWithdrawn(EventPayload):
        consent_id: uuid.UUID
        withdrawn_at: datetime | None = None

    def on_consent_withdrawn(session, event):
        data = payload_of(event, ConsentWithdrawn)

Fields a consumer does not name are ignored (producers may add fields, docs/events.md);
data that does not fit raises :class:`common.errors.UnusableEvent`, which the consumer
dead-letters at once with the field errors as its reason — never a crash, never a retry loop.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from common.errors import UnusableEvent
from common.messaging.envelope import Event


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


P = TypeVar("P", bound=EventPayload)


def payload_of(event: Event, model: type[P]) -> P:
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        # Name the fields only: the values may be personal data, and this text is logged.
        fields = ", ".join(
            ".".join(str(part) for part in error["loc"]) or "data"
            for error in exc.errors(include_input=False)
        )
        raise UnusableEvent(f"{event.type} {event.id}: invalid {fields}") from exc
