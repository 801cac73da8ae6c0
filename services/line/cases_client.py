"""Opening a case from a conversation: the cases service is asked, on behalf of the
counsellor (their own principal token), to open a case in the desk's organization whose
first contact is this LINE conversation. The cases service authorizes it exactly as if the
counsellor had asked. Tests stand in with any object that has ``open_case``."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from common.errors import Forbidden, Unavailable
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable


class CaseOpener(Protocol):
    def open_case(self, token: str, body: dict[str, Any]) -> uuid.UUID: ...


class CasesClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.client = ServiceClient(base_url, timeout)

    def open_case(self, token: str, body: dict[str, Any]) -> uuid.UUID:
        try:
            answer = self.client.call("POST", "/cases", token=token, json_body=body)
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            raise Unavailable("The cases service did not answer; try again") from exc
        if answer.status == 403:
            raise Forbidden("Your role may not open cases")
        if answer.status != 201:
            raise Unavailable(f"The cases service answered {answer.status}")
        try:
            return uuid.UUID(str(answer.json()["id"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Unavailable("The cases service's answer had no case id") from exc
