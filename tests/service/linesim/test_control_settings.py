"""The webhook URL can be set after the simulator started (make run learns the demo
channel's id only once the stack is up)."""

from __future__ import annotations

from tsunagu.linesim import SimulatorConfig, create_app


def test_without_a_webhook_url_actions_are_refused_until_one_is_set() -> None:
    app = create_app(SimulatorConfig("secret", "token", "", "U" + "0" * 32))
    client = app.test_client()
    user = client.post("/_sim/users", json={"display_name": "やまなし"}).get_json()
    refused = client.post(f"/_sim/users/{user['user_id']}/follow", json={})
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "no_webhook_url"
    chat = client.get(f"/_sim/users/{user['user_id']}/chat").get_json()
    assert chat["user"]["friendship"] != "friend"  # nothing changed
    bad = client.put("/_sim/settings", json={"webhook_url": "javascript:alert(1)"})
    assert bad.status_code == 422
    ok = client.put("/_sim/settings", json={"webhook_url": "http://127.0.0.1:9/line/webhook/x"})
    assert ok.status_code == 200
    assert ok.get_json()["webhook_url"] == "http://127.0.0.1:9/line/webhook/x"
