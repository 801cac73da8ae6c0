"""How a LINE user is known outside this service: a keyed hash, never the LINE user id."""

from __future__ import annotations

import hashlib
import hmac
import uuid


def user_hash(key: bytes, channel_id: uuid.UUID, line_user_id: str) -> str:
    """HMAC-SHA256 of the LINE user id, keyed by the data key and bound to the channel: the
    same person on two channels gets two unrelated pseudonyms, and without the key the
    hash cannot be turned back into the id (LINE ids are guessable only with LINE's help)."""
    message = f"{channel_id}:{line_user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
