"""``tsunagu line-simulator`` spells its defaults without importing the simulator (every
process imports the CLI); the demo registers its channel with the package's constants."""

from __future__ import annotations

from tsunagu import linesim
from tsunagu.cli import cli


def test_the_cli_defaults_are_the_packages() -> None:
    command = cli.commands["line-simulator"]
    defaults = {p.name: p.default for p in command.params}
    assert defaults["channel_secret"] == linesim.DEFAULT_CHANNEL_SECRET
    assert defaults["channel_access_token"] == linesim.DEFAULT_CHANNEL_ACCESS_TOKEN
    assert defaults["bot_user_id"] == linesim.DEFAULT_BOT_USER_ID
    assert defaults["port"] == linesim.DEFAULT_PORT
