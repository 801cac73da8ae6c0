"""The LINE Messaging API, through line-bot-sdk v3, at ``TSUNAGU_LINE_API_URL`` (production
and the simulator take the same path). Every call answers an :class:`Answer` instead of
raising, so the sending worker decides with one rule (domain.sending.judge)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 10.0
CLIENT_CACHE_SIZE = 64


@dataclass(frozen=True)
class Answer:
    status: int
    """LINE's HTTP status; 0 when LINE could not be reached."""
    message: str = ""
    retry_after: float | None = None
    body: bytes = b""
    content_type: str | None = None


@dataclass(frozen=True)
class Quota:
    type: str
    value: int | None
    """None: no limit (LINE's ``type: none``)."""
    consumed: int


class LinePlatform:
    """One SDK client per access token and host, kept for reuse (keep-alive)."""

    def __init__(self, api_url: str, data_api_url: str, timeout: float = REQUEST_TIMEOUT_SECONDS):
        self.api_url = api_url.rstrip("/")
        self.data_api_url = data_api_url.rstrip("/")
        self.timeout = timeout
        self._clients: dict[tuple[str, str], ApiClient] = {}
        self._lock = threading.Lock()

    def _client(self, host: str, access_token: str) -> ApiClient:
        key = (host, access_token)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                if len(self._clients) >= CLIENT_CACHE_SIZE:
                    self._clients.clear()
                configuration = Configuration(host=host, access_token=access_token)
                configuration.retries = 0  # the sending worker retries, with its own backoff
                client = self._clients[key] = ApiClient(configuration)
            return client

    def _api(self, access_token: str) -> MessagingApi:
        return MessagingApi(self._client(self.api_url, access_token))

    def reply(self, access_token: str, reply_token: str, texts: list[str]) -> Answer:
        request = ReplyMessageRequest(
            replyToken=reply_token, messages=[TextMessage(text=t) for t in texts]
        )
        return self._call(
            lambda: self._api(access_token).reply_message_with_http_info(
                request, _request_timeout=self.timeout
            )
        )

    def push(self, access_token: str, to: str, texts: list[str], retry_key: str) -> Answer:
        request = PushMessageRequest(to=to, messages=[TextMessage(text=t) for t in texts])
        return self._call(
            lambda: self._api(access_token).push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self.timeout
            )
        )

    def quota(self, access_token: str) -> Quota | Answer:
        api = self._api(access_token)
        try:
            quota = api.get_message_quota(_request_timeout=self.timeout)
            consumption = api.get_message_quota_consumption(_request_timeout=self.timeout)
        except ApiException as exc:
            return _answer_of(exc)
        except (Urllib3Error, OSError) as exc:
            return Answer(0, type(exc).__name__)
        kind = str(getattr(quota.type, "value", quota.type))  # the SDK's QuotaType enum
        value = quota.value if kind == "limited" else None
        return Quota(kind, value, int(consumption.total_usage or 0))

    def content(self, access_token: str, message_id: str) -> Answer:
        """The bytes of an image, video, audio or file a user sent (the data API host)."""
        blob = MessagingApiBlob(self._client(self.data_api_url, access_token))
        try:
            response = blob.get_message_content_with_http_info(
                message_id, _request_timeout=self.timeout
            )
        except ApiException as exc:
            return _answer_of(exc)
        except (Urllib3Error, OSError) as exc:
            return Answer(0, type(exc).__name__)
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        data = response.data if isinstance(response.data, bytes | bytearray) else response.raw_data
        return Answer(
            response.status_code or 200,
            body=bytes(data or b""),
            content_type=headers.get("content-type"),
        )

    def _call(self, send: Any) -> Answer:
        try:
            response = send()
        except ApiException as exc:
            return _answer_of(exc)
        except (Urllib3Error, OSError) as exc:
            log.warning("LINE unreachable", extra={"error_type": type(exc).__name__})
            return Answer(0, type(exc).__name__)
        return Answer(response.status_code or 200)


def _answer_of(exc: ApiException) -> Answer:
    message = ""
    body = exc.body or b""
    try:
        parsed = json.loads(body) if body else {}
        if isinstance(parsed, dict):
            message = str(parsed.get("message") or "")
    except (ValueError, UnicodeDecodeError):
        message = ""
    retry_after = None
    headers = {k.lower(): v for k, v in dict(exc.headers or {}).items()}
    if "retry-after" in headers:
        try:
            retry_after = float(headers["retry-after"])
        except ValueError:
            retry_after = None
    return Answer(int(exc.status or 0), message[:200], retry_after)
