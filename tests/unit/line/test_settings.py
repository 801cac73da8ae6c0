"""Where the LINE Messaging API is: LINE's own hosts by default, one URL for a simulator."""

from __future__ import annotations

from common.config import load_settings


def test_line_hosts_default_to_lines_own() -> None:
    settings = load_settings({})
    assert settings.line_api_url == "https://api.line.me"
    assert settings.line_data_api_url == "https://api-data.line.me"


def test_one_url_points_both_at_a_simulator() -> None:
    settings = load_settings({"TSUNAGU_LINE_API_URL": "http://127.0.0.1:9100/"})
    assert settings.line_api_url == "http://127.0.0.1:9100"
    assert settings.line_data_api_url == "http://127.0.0.1:9100"


def test_the_content_host_can_be_set_on_its_own() -> None:
    settings = load_settings(
        {
            "TSUNAGU_LINE_API_URL": "https://api.line.me",
            "TSUNAGU_LINE_DATA_API_URL": "https://api-data.line.me",
        }
    )
    assert settings.line_data_api_url == "https://api-data.line.me"
