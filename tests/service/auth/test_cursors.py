"""Every paginated list of the auth service refuses a tampered cursor alike, and pages
through the rows once each."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from common.testing.principals import auth_header
from tests.service.auth.factories import Factory
from tests.service.cursors import BAD_CURSORS, assert_cursor_refused


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_tampered_cursor_is_a_field_error(
    client: FlaskClient, make: Factory, cursor: str
) -> None:
    center = make.tenant(kind="prefectural_center", role="consortium_admin")
    admin = make.tenant(role="org_admin")
    as_center = auth_header(center.principal)
    query = {"cursor": cursor}
    for path in ("/consortia", "/organizations", f"/consortia/{center.consortium_id}/audit"):
        assert_cursor_refused(client.get(path, query_string=query, headers=as_center))
    as_admin = auth_header(admin.principal)
    for path in (f"/organizations/{admin.org_id}/users", "/audit"):
        assert_cursor_refused(client.get(path, query_string=query, headers=as_admin))


def test_users_page_through_once_each(client: FlaskClient, make: Factory) -> None:
    admin = make.tenant(role="org_admin")
    made = {admin.user_id} | {make.user(admin.org_id).user_id for _ in range(4)}
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(
            f"/organizations/{admin.org_id}/users",
            query_string=query,
            headers=auth_header(admin.principal),
        ).json
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(u) for u in made)
