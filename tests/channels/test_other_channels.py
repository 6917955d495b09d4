"""The channels of credentials.yml, and the Telegram and Slack set-up the README documents, load in
Rasa's own channel factory."""
import re
from pathlib import Path

from rasa.core.run import create_http_input_channels

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def test_the_project_credentials_load_rest_webchat_and_kakao():
    channels = {
        channel.name(): channel for channel in create_http_input_channels(None, str(ROOT / "credentials.yml"))
    }
    assert set(channels) == {"rest", "webchat", "kakao"}
    assert channels["webchat"].metadata_key == "customData"  # where rasa-webchat puts the customer token
    assert channels["webchat"].session_persistence


def test_documented_telegram_and_slack_credentials_load(tmp_path, monkeypatch):
    section = README.read_text(encoding="utf-8").split("## Other channels", 1)[1]
    snippet = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(snippet.replace("<public-host>", "bank.example"), encoding="utf-8")
    for name in (
        "TELEGRAM_TOKEN",
        "TELEGRAM_BOT_NAME",
        "SLACK_BOT_TOKEN",
        "SLACK_CHANNEL",
        "SLACK_SIGNING_SECRET",
    ):
        monkeypatch.setenv(name, f"test-{name.lower()}")
    channels = {channel.name(): channel for channel in create_http_input_channels(None, str(credentials))}
    assert set(channels) == {"telegram", "slack"}
    assert channels["telegram"].access_token == "test-telegram_token"
    assert channels["slack"].slack_token == "test-slack_bot_token"
