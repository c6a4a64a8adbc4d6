"""Single-workspace mode (SLACK_BOT_TOKEN): once Slack says the token is dead (an uninstall
event, or a job's call refused) the jobs stop calling Slack with it, on every replica,
until `serve` starts with a token whose auth.test succeeds."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from slack_bolt import BoltRequest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.clients import build_clients
from bot.config import Settings
from bot.jobs import scheduler
from bot.jobs.runner import JobContext, JobRun, run_job
from bot.sandbox import Sandbox
from bot.sandbox.signing import slack_headers
from bot.templates import Templates

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "single-secret"


def _settings(sb: Sandbox) -> Settings:
    return Settings(
        slack_bot_token=sb.slack.bot_token,
        slack_signing_secret=SECRET,
        slack_api_url=sb.slack_api_url,
    )


def _uninstalled(sb: Sandbox) -> BoltRequest:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": sb.slack.team_id,
            "api_app_id": "A0APP",
            "event_id": "Ev0GONE",
            "event_time": int(time.time()),
            "event": {"type": "app_uninstalled"},
        }
    )
    headers = {"Content-Type": "application/json"}
    headers.update(slack_headers(SECRET, int(time.time()), body.encode()))
    return BoltRequest(body=body, headers=headers)


class _Job:
    """A job that asks Slack who it is, as every follow-up job's first call does."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, run: JobRun) -> Counter[str]:
        self.runs += 1
        run.clients.slack.auth_test()
        return Counter(ran=1)


def test_an_uninstall_stops_the_jobs_until_serve_starts_with_a_working_token(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with Sandbox(rate_limits=False) as sb:
        settings = _settings(sb)
        clients = build_clients(settings)
        context = JobContext(settings, sessions, clients, Templates(None))
        job = _Job()
        app = build_app(settings, sessions=sessions, clients=clients)

        with caplog.at_level(logging.INFO):
            assert app.dispatch(_uninstalled(sb)).status == 200
            assert run_job("digests", job, context, now=NOW) == Counter()
            assert job.runs == 0, "no call with the dead token"
            assert "reviews stop until serve starts with a token that works" in caplog.text

            stop = scheduler.start(settings, sessions=sessions, clients=clients)
            stop()
        assert "SLACK_BOT_TOKEN works again" in caplog.text
        assert run_job("digests", job, context, now=NOW) == Counter(ran=1)


def test_a_job_refused_invalid_auth_stops_the_next_rounds(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """The uninstall event was lost: the job's own call tells."""
    with Sandbox(rate_limits=False) as sb:
        settings = _settings(sb)
        context = JobContext(settings, sessions, build_clients(settings), Templates(None))
        job = _Job()
        sb.installs.uninstall(sb.slack.team_id)

        with caplog.at_level(logging.INFO):
            assert run_job("digests", job, context, now=NOW) is None
            assert run_job("nudges", job, context, now=NOW) == Counter()

    assert job.runs == 1
    stops = [r for r in caplog.records if r.getMessage().startswith("jobs stop:")]
    assert len(stops) == 1 and "invalid_auth" in stops[0].getMessage()
    assert "Traceback" not in caplog.text
