"""The consortium admin oversees the referral flow she is responsible for: which referrals
wait, for how long, which were declined or expired — as metadata and counts, never the
person, the packet, a reason written in words or the thread (DESIGN §3)."""

from __future__ import annotations

from typing import Any

from services.referrals.domain.states import Status
from tests.service.referrals.drive import drive, set_policy
from tests.service.referrals.world import World


def as_admin(world: World, path: str) -> Any:
    return world.client.get(path, headers=world.center.headers("consortium_admin"))


def test_the_consortium_admin_sees_the_oversight_list_without_words_or_persons(
    world: World,
) -> None:
    set_policy(world, decline_requires_center_confirmation=True)
    waiting = drive(world, Status.DECLINE_REQUESTED)
    response = as_admin(world, "/referrals/oversight")
    assert response.status_code == 200, response.json
    (item,) = [i for i in response.json["items"] if i["id"] == waiting]
    assert item["status"] == "decline_requested"
    assert item["from_org"]["name"] == world.sender.name
    assert item["decline"]["reason_code"] == "no_capacity"
    assert "reason" not in item["decline"]  # the receiver's words are for the center
    assert "packet" not in item
    assert "person" not in item
    # She oversees the flow; she does not read referrals.
    assert as_admin(world, f"/referrals/{waiting}").status_code == 404


def test_the_consortium_admin_sees_the_flow_in_counts(world: World) -> None:
    drive(world, Status.SENT)
    drive(world, Status.SENT, receiver=world.third)
    drive(world, Status.ACCEPTED)
    world.sent(urgency="urgent")
    summary = as_admin(world, "/referrals/oversight/summary")
    assert summary.status_code == 200, summary.json
    body = summary.json
    assert body["by_status"]["sent"] == 3
    assert body["by_status"]["accepted"] == 1
    assert body["open"] == 3
    assert body["urgent_open"] == 1
    members = {m["org"]["id"]: m for m in body["members"]}
    receiver = members[str(world.receiver.org_id)]
    assert (receiver["incoming_open"], receiver["accepted"]) == (2, 1)
    assert members[str(world.sender.org_id)]["outgoing_open"] == 3
    assert str(world.outsider.org_id) not in members


def test_the_center_also_sees_the_summary_and_a_member_does_not(world: World) -> None:
    assert (
        world.client.get("/referrals/oversight/summary", headers=world.center.headers()).status_code
        == 200
    )
    for path in ("/referrals/oversight", "/referrals/oversight/summary"):
        assert world.client.get(path, headers=world.third.headers()).status_code == 403
    other = world.outsider.headers("consortium_admin")  # another consortium's admin
    assert world.client.get("/referrals/oversight", headers=other).json["items"] == []
    assert world.client.get("/referrals/oversight/summary", headers=other).json["members"] == []
