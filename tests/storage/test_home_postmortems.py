"""Whose Home lists a post-mortem: its lead, and whoever answered the interview, owns an
item or spoke in the timeline; never a post-mortem of another workspace. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.core.home_views import INTERVIEW, LEAD, PUBLISHED, TOOK_PART
from bot.services import home as home_service
from bot.services import postmortems, report
from storage.models import ActionItem, Answer, Base, TimelineEvent
from storage.repositories import reports

ACME, GLOBEX = "T0ACME", "T0GLOBEX"
LEAD_ID, ANSWERER, OWNER, SPEAKER, BYSTANDER = "U0LEAD", "U0ANS", "U0OWN", "U0SPK", "U0NOONE"
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def _url(token: str | None) -> str | None:
    return f"https://pm.example.com/postmortems/{token}" if token else None


def _item(team_id: str, postmortem_id: int, action: str) -> ActionItem:
    return ActionItem(
        team_id=team_id,
        postmortem_id=postmortem_id,
        number=1,
        action=action,
        owner_id=OWNER,
        priority="High",
    )


def _said(postmortem_id: int, source: str, text: str, actor: str) -> TimelineEvent:
    """A timeline line by `actor` (a person's id for Slack, an agent's name for PagerDuty)."""
    return TimelineEvent(
        team_id=ACME,
        postmortem_id=postmortem_id,
        occurred_at=NOW,
        source=source,
        source_key=f"{source}:{text}",
        text=text,
        actor=actor,
    )


def _seed(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """Acme's login post-mortem (published, shared) and its older search one; Globex's
    post-mortem led by the same user id, which Acme's Home must never show."""
    with sessions.begin() as session:
        login, _ = postmortems.start(
            session, team_id=ACME, channel_id="C0LOGIN", user_id=LEAD_ID, title="Login", now=NOW
        )
        search, _ = postmortems.start(
            session,
            team_id=ACME,
            channel_id="C0SEARCH",
            user_id=LEAD_ID,
            title="Search",
            now=NOW - timedelta(days=3),
        )
        theirs, _ = postmortems.start(
            session, team_id=GLOBEX, channel_id="C0GLOBEX", user_id=OWNER, title="Theirs", now=NOW
        )
        login.created_at, search.created_at = NOW, NOW - timedelta(days=3)
        login.published_at = NOW
        session.add(
            Answer(
                team_id=ACME,
                postmortem_id=login.id,
                question="summary",
                text="it broke",
                author_id=ANSWERER,
                message_ts="1.1",
            )
        )
        session.add_all(
            [
                _item(ACME, search.id, "reindex"),
                _item(GLOBEX, theirs.id, "theirs"),
                _said(login.id, "slack", "rolled back", SPEAKER),
                _said(search.id, "pagerduty", "triggered", BYSTANDER),
            ]
        )
        record = reports.ensure_locked(session, ACME, login.id)
        record.share_token = "tok3n"
        return login.id, search.id


def _listed(sessions: sessionmaker[Session], user_id: str) -> list[tuple[str, str, str]]:
    with sessions() as session:
        home = home_service.home(session, ACME, user_id, today=NOW.date(), url_of=_url)
    return [(pm.title, pm.role, pm.state) for pm in home.postmortems]


def test_the_lead_sees_both_newest_first_with_their_states(
    sessions: sessionmaker[Session],
) -> None:
    _seed(sessions)
    assert _listed(sessions, LEAD_ID) == [("Login", LEAD, PUBLISHED), ("Search", LEAD, INTERVIEW)]


def test_taking_part_is_answering_owning_an_item_or_speaking_in_the_timeline(
    sessions: sessionmaker[Session],
) -> None:
    _seed(sessions)
    assert _listed(sessions, ANSWERER) == [("Login", TOOK_PART, PUBLISHED)]
    assert _listed(sessions, OWNER) == [("Search", TOOK_PART, INTERVIEW)], "not Globex's"
    assert _listed(sessions, SPEAKER) == [("Login", TOOK_PART, PUBLISHED)]
    assert _listed(sessions, BYSTANDER) == [], "a PagerDuty actor's name is not a person"


def test_the_report_page_link_is_the_live_share_and_items_stay_in_the_workspace(
    sessions: sessionmaker[Session],
) -> None:
    login, _ = _seed(sessions)
    with sessions() as session:
        home = home_service.home(session, ACME, OWNER, today=NOW.date(), url_of=_url)
        globex = home_service.home(session, GLOBEX, OWNER, today=NOW.date(), url_of=_url)
        lead = home_service.home(session, ACME, LEAD_ID, today=NOW.date(), url_of=_url)
    assert [item.action for item, _ in home.items] == ["reindex"]
    assert [item.action for item, _ in globex.items] == ["theirs"]
    urls = {pm.id: pm.report_url for pm in lead.postmortems}
    assert urls[login] == "https://pm.example.com/postmortems/tok3n"
    assert list(urls.values()).count(None) == 1, "the unshared one has no page"


def test_a_revoked_share_link_leaves_the_home_with_no_report_page(
    sessions: sessionmaker[Session],
) -> None:
    """`/postmortem share revoke` turns the page off: the Home no longer hands it out."""
    login, _ = _seed(sessions)
    with sessions.begin() as session:
        assert report.revoke(session, ACME, login, by=LEAD_ID, now=NOW)
    with sessions() as session:
        lead = home_service.home(session, ACME, LEAD_ID, today=NOW.date(), url_of=_url)
    assert [pm.report_url for pm in lead.postmortems] == [None, None]


def test_the_migration_indexes_the_timeline_by_speaker_as_the_model_says(engine: Engine) -> None:
    indexes = {
        ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("timeline_events")
    }
    assert indexes["ix_timeline_team_actor"] == ["team_id", "actor"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        drift = [d for d in compare_metadata(context, Base.metadata) if "timeline" in repr(d)]
    assert drift == []
