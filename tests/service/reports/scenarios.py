"""A small consortium's year of events with every kind the reports hear, for replay tests."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from common.messaging.envelope import Event
from common.testing.principals import Tenant
from tests.service.reports.factories import (
    Person,
    Referral,
    jst,
    line_event,
    org_registered,
)


@dataclass
class Consortium:
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def member(self, kind: str = "npo") -> Tenant:
        return Tenant.new(kind, consortium_id=self.id)


@dataclass
class Scenario:
    consortium: Consortium
    npo: Tenant
    family: Tenant
    center: Tenant
    events: list[Event]


def mixed_year(seed: int = 7) -> Scenario:
    rng = random.Random(seed)
    consortium = Consortium()
    npo = consortium.member("npo")
    family = consortium.member("family_association")
    center = consortium.member("prefectural_center")
    events: list[Event] = [
        org_registered(npo, "NPOサポステ"),
        org_registered(family, "家族会"),
        org_registered(center, "ひきこもり地域支援センター"),
        org_registered(npo, "NPOサポステ（新名称）", type_="org.updated", at=jst(2020, 9, 1)),
    ]
    people = [Person(npo) for _ in range(30)]
    for i, p in enumerate(people):
        events.append(p.case_opened(jst(2020, 4, 2)))
        for _ in range(1 + i % 3):
            month = rng.randint(4, 15)
            year, month = (2020, month) if month <= 12 else (2021, month - 12)
            events.append(
                p.contact(jst(year, month, rng.randint(1, 28)), by=rng.choice(["self", "family"]))
            )
        if i % 2 == 0:
            events.append(p.outcome(jst(2020, 10, 1), "job_search_started"))
        if i % 4 == 0:
            events.append(p.outcome(jst(2020, 12, 1), "path_decided", "employment_regular"))
            events.append(
                p.activity(
                    jst(2021, 3, 1), "retention_followup", checkpoint_months=6, retained=True
                )
            )
        if i % 3 == 0:
            events.append(p.activity(jst(2020, 6, 1), "group_program"))
        if i % 5 == 0:
            events.append(
                p.activity(
                    jst(2020, 8, 1), "retention_followup", checkpoint_months=3, retained=True
                )
            )
    # Ten are referred to the family association, which opens its own case and sees them.
    for i, p in enumerate(people[:10]):
        referral = Referral(npo, family, p)
        events.append(referral.event("sent", jst(2020, 7, 1 + i)))
        events.append(referral.event("viewed", jst(2020, 7, 2 + i)))
        if i < 8:
            events.append(referral.event("accepted", jst(2020, 7, 3 + i, 9 + i)))
            there = p.at_org(family)
            events.append(there.case_opened(jst(2020, 7, 4 + i), referral.referral_id))
            events.append(there.contact(jst(2020, 8, 1 + i), by="family"))
            if i < 5:
                events.append(referral.event("completed", jst(2020, 9, 1 + i)))
        else:
            events.append(referral.event("declined", jst(2020, 7, 5 + i)))
    # The center's cases arrive without a consortium in the envelope (found via the directory).
    for i in range(6):
        p = Person(center, with_consortium=False)
        events.append(p.contact(jst(2020, 11, 1 + i)))
        events.append(p.activity(jst(2020, 11, 10 + i), "group_program"))
    # LINE friends of the center's account.
    for i in range(12):
        events.append(
            line_event(
                "line.followed", center, f"hash{i:02d}", jst(2020, 5, 1 + i, 17), consortium.id
            )
        )
    for i in range(3):
        events.append(
            line_event(
                "line.unfollowed", center, f"hash{i:02d}", jst(2020, 12, 1 + i, 20), consortium.id
            )
        )
    events.append(
        line_event("line.message_received", center, "hash05", jst(2020, 6, 1, 18), consortium.id)
    )
    return Scenario(consortium, npo, family, center, events)
