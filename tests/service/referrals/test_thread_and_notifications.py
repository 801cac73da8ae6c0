from __future__ import annotations

from services.referrals.domain.states import Action, Status
from tests.service.referrals.drive import act, drive
from tests.service.referrals.world import World


def test_the_two_orgs_write_to_each_other_on_the_referral(world: World) -> None:
    referral_id = drive(world, Status.SENT)
    posted = world.client.post(
        f"/referrals/{referral_id}/messages",
        json={"body": "面談日程の候補をお送りします"},
        headers=world.sender.headers(),
    )
    assert posted.status_code == 201
    assert posted.json["org_id"] == str(world.sender.org_id)
    world.client.post(
        f"/referrals/{referral_id}/messages",
        json={"body": "ありがとうございます。火曜が可能です"},
        headers=world.receiver.headers(),
    )
    thread = world.client.get(f"/referrals/{referral_id}/messages", headers=world.sender.headers())
    assert [m["body"] for m in thread.json["items"]] == [
        "面談日程の候補をお送りします",
        "ありがとうございます。火曜が可能です",
    ]
    assert thread.json["items"][1]["author_name"] == "やまなし若者サポートステーションの職員"


def test_a_new_message_is_an_unread_notice_for_the_other_org_only(world: World) -> None:
    referral_id = drive(world, Status.VIEWED)
    sender_before = world.client.get(
        "/notifications/unread-count", headers=world.sender.headers()
    ).json
    world.client.post(
        f"/referrals/{referral_id}/messages",
        json={"body": "確認事項があります"},
        headers=world.receiver.headers(),
    )
    sender_after = world.client.get(
        "/notifications/unread-count", headers=world.sender.headers()
    ).json
    assert sender_after["outgoing"] == sender_before["outgoing"] + 1
    kinds = [
        n["kind"]
        for n in world.client.get("/notifications", headers=world.sender.headers()).json["items"]
    ]
    assert kinds[0] == "message_posted"


def test_the_thread_closes_after_a_decline_withdrawal_or_expiry(world: World) -> None:
    referral_id = drive(world, Status.VIEWED)
    act(world, referral_id, Action.WITHDRAW, world.sender)
    response = world.client.post(
        f"/referrals/{referral_id}/messages",
        json={"body": "追加情報です"},
        headers=world.sender.headers(),
    )
    assert response.status_code == 409
    assert (
        world.client.get(
            f"/referrals/{referral_id}/messages", headers=world.receiver.headers()
        ).status_code
        == 200
    )


def test_unread_counts_are_per_box_and_per_user(world: World) -> None:
    first = drive(world, Status.SENT)
    drive(world, Status.SENT)
    alice = world.receiver.principal()
    bob = world.receiver.principal()
    from common.testing.principals import auth_header

    count = world.client.get("/notifications/unread-count", headers=auth_header(alice)).json
    assert count == {"total": 2, "incoming": 2, "outgoing": 0, "oversight": 0}
    world.client.get(f"/referrals/{first}", headers=auth_header(alice))  # opening reads its notices
    assert (
        world.client.get("/notifications/unread-count", headers=auth_header(alice)).json["total"]
        == 1
    )
    assert (
        world.client.get("/notifications/unread-count", headers=auth_header(bob)).json["total"] == 2
    )
    listing = world.client.get("/referrals?box=incoming", headers=auth_header(alice)).json["items"]
    assert {r["id"]: r["unread"] for r in listing}[first] is False
    unread_only = world.client.get(
        "/referrals?box=incoming&unread=true", headers=auth_header(alice)
    ).json
    assert first not in [r["id"] for r in unread_only["items"]]


def test_notices_are_marked_read_one_by_one_or_all_at_once(world: World) -> None:
    drive(world, Status.SENT)
    drive(world, Status.SENT)
    reader = world.receiver.principal()
    from common.testing.principals import auth_header

    items = world.client.get("/notifications?unread=true", headers=auth_header(reader)).json[
        "items"
    ]
    assert len(items) == 2
    assert not items[0]["read"]
    after_one = world.client.post(
        f"/notifications/{items[0]['id']}/read", headers=auth_header(reader)
    ).json
    assert after_one["total"] == 1
    again = world.client.post(
        f"/notifications/{items[0]['id']}/read", headers=auth_header(reader)
    ).json
    assert again["total"] == 1
    assert (
        world.client.post("/notifications/read-all", json={}, headers=auth_header(reader)).json[
            "total"
        ]
        == 0
    )
    listed = world.client.get("/notifications", headers=auth_header(reader)).json["items"]
    assert all(n["read"] for n in listed)


def test_the_boxes_filter_by_direction_status_and_urgency(world: World) -> None:
    incoming = drive(world, Status.SENT)
    urgent = world.sent(urgency="urgent")["id"]
    back = world.sent(sender=world.receiver, receiver=world.sender)["id"]
    accepted = drive(world, Status.ACCEPTED)

    def ids(query: str) -> set[str]:
        return {
            r["id"]
            for r in world.client.get(f"/referrals?{query}", headers=world.receiver.headers()).json[
                "items"
            ]
        }

    assert ids("box=incoming") == {incoming, urgent, accepted}
    assert ids("box=outgoing") == {back}
    assert ids("box=incoming&status=accepted") == {accepted}
    assert ids("status=sent,accepted&urgency=urgent") == {urgent}
    assert ids("") == {incoming, urgent, accepted, back}


def test_the_boxes_page_with_a_cursor(world: World) -> None:
    sent = {drive(world, Status.SENT) for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        query = "box=outgoing&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = world.client.get(f"/referrals?{query}", headers=world.sender.headers()).json
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5
    assert set(seen) == sent
