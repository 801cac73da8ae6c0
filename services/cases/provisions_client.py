"""The provision-records port: asking the referrals service, on behalf of the org admin,
for the provision records (APPI arts. 29/30) of one person of their org, by person key —
what a disclosure (art. 33(5)) must list.

``GET {referrals}/reports/provision-ledger?person_key=..`` with the caller's own principal
token, so the referrals service answers exactly what this org's ledger holds. Tests stand in
for it with any object that has ``for_person``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from common.errors import Unavailable
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable

PAGE = 1000


class ProvisionSource(Protocol):
    def for_person(self, token: str, person_key: uuid.UUID) -> list[dict[str, Any]]: ...


class HttpProvisionSource:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.client = ServiceClient(base_url, timeout=timeout)

    def for_person(self, token: str, person_key: uuid.UUID) -> list[dict[str, Any]]:
        """Every record, all pages: a disclosure that left one out would mislead."""
        records: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {"person_key": str(person_key), "limit": PAGE, "cursor": cursor}
            try:
                response = self.client.call(
                    "GET", "/reports/provision-ledger", token=token, params=params
                )
            except (UpstreamUnavailable, UpstreamTimeout) as exc:
                raise Unavailable("The provision records cannot be reached; try again") from exc
            if response.status != 200:
                raise Unavailable(f"The provision records answered {response.status}")
            page = response.json()
            if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
                raise Unavailable("The provision records answered in an unexpected shape")
            records += [dict(r) for r in page["items"] if isinstance(r, Mapping)]
            cursor = page.get("next_cursor")
            if not cursor:
                return records
