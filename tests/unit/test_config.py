"""Settings: a bad or missing one is named, with what is wrong."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.config import SETTING_NAMES, Settings
from bot.errors import ConfigError

SERVING = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
OAUTH = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}


def test_defaults_follow_the_contract() -> None:
    settings = Settings.from_env({})
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///postmortem.db"
    assert settings.pagerduty_api_url == "https://api.pagerduty.com"
    assert settings.port == 3000
    assert settings.log_level == "INFO"
    assert not settings.socket_mode and not settings.pagerduty_webhook_secrets


def test_serving_without_a_token_names_the_setting() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"SLACK_SIGNING_SECRET": "s"}).check_for_serving()
    assert raised.value.name == "SLACK_BOT_TOKEN"


def test_http_mode_needs_the_signing_secret_but_socket_mode_does_not() -> None:
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).check_for_serving()
    Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    ).check_for_serving()


def test_a_user_token_in_place_of_the_bot_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="xoxb-"):
        Settings.from_env({**SERVING, "SLACK_BOT_TOKEN": "xoxp-1"}).check_for_serving()


def test_oauth_needs_both_halves() -> None:
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET"):
        Settings.from_env(
            {"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}
        ).check_for_serving()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("PORT", "70000"),
        ("SLACK_API_URL", "slack.com/api"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("TEMPLATES_DIR", "/no/such/dir"),
        ("LOG_LEVEL", "verbose"),
        ("TOKEN_ENCRYPTION_KEY", "not-a-fernet-key"),
        ("TOKEN_ENCRYPTION_KEY", f"{NEW_KEY},not-a-fernet-key"),
    ],
)
def test_a_malformed_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert raised.value.name == name


def test_oauth_needs_a_token_encryption_key_to_serve() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(OAUTH).check_for_serving()
    assert raised.value.name == "TOKEN_ENCRYPTION_KEY"
    assert "Fernet.generate_key()" in raised.value.problem
    Settings.from_env({**OAUTH, "TOKEN_ENCRYPTION_KEY": NEW_KEY}).check_for_serving()
    assert "TOKEN_ENCRYPTION_KEY" in SETTING_NAMES


def test_two_token_keys_overlap_during_rotation_newest_first() -> None:
    settings = Settings.from_env({"TOKEN_ENCRYPTION_KEY": f" {NEW_KEY} , {OLD_KEY},"})
    assert settings.token_encryption_key == f"{NEW_KEY},{OLD_KEY}"


def test_a_malformed_token_key_is_named_by_its_place_never_shown() -> None:
    bad = OLD_KEY[:-4] + "!!!="
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"TOKEN_ENCRYPTION_KEY": f"{NEW_KEY},{bad}"})
    assert raised.value.problem.startswith("key 2 of 2 is not a Fernet key")
    assert bad not in str(raised.value) and NEW_KEY not in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1


def test_the_slack_api_url_gets_the_trailing_slash_slack_sdk_expects() -> None:
    assert Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:4000/api"}).slack_api_url == (
        "http://127.0.0.1:4000/api/"
    )


def test_two_pagerduty_secrets_overlap_during_rotation() -> None:
    settings = Settings.from_env({"PAGERDUTY_WEBHOOK_SECRET": "old, new"})
    assert settings.pagerduty_webhook_secrets == ("old", "new")


def test_the_log_level_is_one_of_four_in_any_case() -> None:
    assert Settings.from_env({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(ConfigError, match="DEBUG, INFO, WARNING, ERROR"):
        Settings.from_env({"LOG_LEVEL": "TRACE"})


def test_no_secret_appears_in_the_repr_of_settings() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-bot-secret",
            "SLACK_SIGNING_SECRET": "signing-secret",
            "SLACK_APP_TOKEN": "xapp-app-secret",
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "client-secret",
            "PAGERDUTY_WEBHOOK_SECRET": "webhook-secret-old,webhook-secret-new",
            "PAGERDUTY_API_TOKEN": "pd-api-secret",
            "TOKEN_ENCRYPTION_KEY": NEW_KEY,
            "DATABASE_URL": "postgresql+psycopg://bot:db-password@db.internal:5432/pm",
        }
    )
    shown = repr(settings)
    for value in ("bot-secret", "signing-secret", "app-secret", "client-secret"):
        assert value not in shown
    assert "webhook-secret" not in shown and "pd-api-secret" not in shown
    assert "db-password" not in shown and NEW_KEY not in shown
    assert "token_encryption_key='[redacted]'" in shown
    assert str(settings) == shown
    assert "slack_bot_token='[redacted]'" in shown
    assert "database_url='postgresql+psycopg://bot:***@db.internal:5432/pm'" in shown
    assert "slack_client_id='1.2'" in shown and "slack_app_token='[redacted]'" in shown
    assert "slack_bot_token=None" in repr(Settings())


def test_the_inbox_and_stop_settings_have_defaults_and_refuse_nonsense() -> None:
    default = Settings.from_env({})
    assert (default.inbox_workers, default.shutdown_grace_seconds) == (4, 20.0)
    assert default.inbox_worker_name("pod-7") == "pod-7:3000", "the same after a restart"
    named = Settings.from_env({"WORKER_NAME": "bot-0", "INBOX_WORKERS": "2"})
    assert named.inbox_worker_name("pod-7") == "bot-0" and named.inbox_workers == 2
    assert Settings.from_env({"SHUTDOWN_GRACE_SECONDS": "2.5"}).shutdown_grace_seconds == 2.5
    assert default.inbox_lease_seconds == 60.0
    assert Settings.from_env({"INBOX_LEASE_SECONDS": "6"}).inbox_lease_seconds == 6.0
    refused = (
        ("INBOX_WORKERS", "0"),
        ("SHUTDOWN_GRACE_SECONDS", "soon"),
        ("INBOX_LEASE_SECONDS", "0.5"),
        ("INBOX_LEASE_SECONDS", "a minute"),
    )
    for name, value in refused:
        with pytest.raises(ConfigError) as raised:
            Settings.from_env({name: value})
        assert raised.value.name == name
