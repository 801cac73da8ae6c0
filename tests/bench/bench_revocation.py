"""How long an ended credential keeps working, measured on a real stack.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_revocation [--trials 20] [--server]

Each trial ends one credential and polls (every 10 ms) until it is refused; the window is
from the moment the ending request was answered to the first refusal. Scenarios (issue
#13 measured, before the fix: ~4.4 s, ~5 s, 5 min and ~4 s):

- a deactivated user's session cookie through the gateway (``GET /api/v1/me``);
- a revoked personal access token through the gateway (``DELETE /tokens/{id}``);
- a principal token minted before a deactivation, straight on the cases service, read
  (``GET /cases``) and write (``POST /cases``);
- a suspended org's admin minting a token through the gateway (``POST /api/v1/tokens``).

Prints p50 and max per scenario against the goal (1 s). Tests never assert time; this does
not either — it reports.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common.http.client import ServiceClient
from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.helpers import PASSWORD, World, new_world, principal_token_for
from tests.e2e.stack import Stack
from tsunagu.demo.client import GatewayClient

GOAL_SECONDS = 1.0
POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 30.0


def window(end: Callable[[], None], refused: Callable[[], bool]) -> float:
    end()
    ended = time.perf_counter()
    while not refused():
        if time.perf_counter() - ended > GIVE_UP_SECONDS:
            return float("inf")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - ended


def new_staff(world: World, n: int) -> tuple[GatewayClient, str]:
    admin = world.user("npo.org_admin")
    email = f"bench-{n}-{time.monotonic_ns()}@bench.example"
    invited = admin.post(
        f"/organizations/{world.orgs['npo']}/users",
        {"email": email, "name": "職員", "role": "staff"},
    )
    world.stack.client().post(
        f"/invitations/{invited['invitation']['token']}/accept", {"password": PASSWORD}
    )
    client = world.stack.client()
    client.sign_in(email, PASSWORD)
    return client, invited["id"]


def run(stack: Stack, trials: int) -> dict[str, list[float]]:
    world = new_world(stack, {"npo": "npo"}, roles=("org_admin",))
    admin = world.user("npo.org_admin")
    cases = ServiceClient(stack.url("cases"))
    results: dict[str, list[float]] = {
        "deactivated user, cookie via gateway": [],
        "revoked access token via gateway": [],
        "earlier principal token on cases, read": [],
        "earlier principal token on cases, write": [],
        "suspended org admin mints a token": [],
    }
    for n in range(trials):
        staff, user_id = new_staff(world, n)
        assert staff.request("GET", "/api/v1/me").status == 200  # warm the gateway's cache
        results["deactivated user, cookie via gateway"].append(
            window(
                lambda: admin.patch(f"/users/{user_id}", {"active": False}),  # noqa: B023
                lambda: staff.request("GET", "/api/v1/me", expect=None).status == 401,  # noqa: B023
            )
        )

        staff, user_id = new_staff(world, n)
        pat = staff.post("/tokens", {"name": "bench"})
        api = GatewayClient(stack.url())
        api.bearer = pat["token"]
        assert api.request("GET", "/api/v1/cases").status == 200
        results["revoked access token via gateway"].append(
            window(
                lambda: staff.request("DELETE", f"/api/v1/tokens/{pat['id']}", expect=204),  # noqa: B023
                lambda: api.request("GET", "/api/v1/cases", expect=None).status == 401,  # noqa: B023
            )
        )

        for mode in ("read", "write"):
            staff, user_id = new_staff(world, n)
            minted = principal_token_for(stack, staff.post("/tokens", {"name": "bench"})["token"])

            def refused(token: str = minted, mode: str = mode) -> bool:
                if mode == "read":
                    return cases.call("GET", "/cases", token=token).status == 401
                body = {"person": {"display_name": "ベンチ"}}
                return cases.call("POST", "/cases", token=token, json_body=body).status == 401

            assert not refused()
            results[f"earlier principal token on cases, {mode}"].append(
                window(lambda u=user_id: admin.patch(f"/users/{u}", {"active": False}), refused)
            )

        org_key = f"member{n}"
        world.add_org(org_key)
        world.add_user(org_key, "org_admin")
        member_admin = world.user(f"{org_key}.org_admin")
        center = stack.admin()
        assert member_admin.request("GET", "/api/v1/me").status == 200
        results["suspended org admin mints a token"].append(
            window(
                lambda k=org_key, center=center: center.post(
                    f"/organizations/{world.orgs[k]}/suspend", {"reason": "bench"}
                ),
                lambda c=member_admin: (
                    c.request("POST", "/api/v1/tokens", {"name": "x"}, expect=None).status == 401
                ),
            )
        )
    return results


def report(results: dict[str, list[float]], label: str) -> None:
    print(f"\nRevocation windows ({label}; goal ≤ {GOAL_SECONDS:.1f} s), seconds:")
    print(f"  {'scenario':<44} {'n':>3} {'p50':>7} {'max':>7}  goal")
    for name, values in results.items():
        p50, worst = statistics.median(values), max(values)
        verdict = "met" if worst <= GOAL_SECONDS else "MISSED"
        print(f"  {name:<44} {len(values):>3} {p50:>7.3f} {worst:>7.3f}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument(
        "--server",
        action="store_true",
        help="PostgreSQL + RabbitMQ from TSUNAGU_TEST_DATABASE_URL/_BROKER_URL",
    )
    args = parser.parse_args()
    server = None
    if args.server:
        database_url, broker_url = server_database_url(), server_broker_url()
        if not (database_url and broker_url):
            raise SystemExit("--server needs TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
        server = (database_url, broker_url)
    # The default gateway cache (5 s), as a deployment runs it, not the e2e stack's 0.5 s.
    env = {"TSUNAGU_SESSION_CACHE_SECONDS": "5", "TSUNAGU_LOG_LEVEL": "WARNING"}
    with (
        tempfile.TemporaryDirectory() as scratch,
        Stack(Path(scratch), server=server, extra_env=env) as stack,
    ):
        results = run(stack, args.trials)
    report(results, "server mode" if server else "embedded mode")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
