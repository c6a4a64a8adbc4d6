"""Evidence attached to a factor, on SQLite and PostgreSQL: the line nearest the poster's
clock time is kept once per citing reply, an unknown factor is refused, and the report
reads what was attached."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.core.report_evidence import parse_citation
from bot.errors import BadArguments
from bot.services import factor_evidence, interview, postmortems, report, timezones
from bot.services.interview import Reply
from bot.services.interview_outcome import Outcome
from storage.models import Factor, Postmortem, TimelineEvent

NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
CHANNEL = "C0INCIDENT"
TEAM = "T0SANDBOX"


def seeded(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id=TEAM, channel_id=CHANNEL, user_id="U0ALICE", title="500s", now=NOW
        )
        postmortem.thread_ts = "1764000000.000100"
        for minute, key, text in ((20, "1", "deploy api started"), (31, "2", "deploy api done")):
            session.add(
                TimelineEvent(
                    team_id=TEAM,
                    postmortem_id=postmortem.id,
                    occurred_at=datetime(2026, 11, 24, 21, minute, tzinfo=UTC),
                    source="slack",
                    source_key=f"{CHANNEL}:{key}",
                    text=text,
                )
            )
        session.add(Factor(team_id=TEAM, postmortem_id=postmortem.id, chain=1, text="no check"))
        return postmortem.id


def attach(sessions: sessionmaker[Session], postmortem_id: int, text: str, ts: str) -> object:
    citation = parse_citation(text)
    assert citation is not None
    with sessions.begin() as session:
        postmortem = session.get_one(Postmortem, postmortem_id)
        return factor_evidence.attach(
            session, postmortem, citation, user_id="U0ALICE", message_ts=ts, zone="Europe/Berlin"
        )


def test_a_cited_line_is_kept_once_and_the_report_links_it(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = seeded(sessions)

    first = attach(sessions, postmortem_id, "F1: see 22:31 deploy done", "1764000100.000100")
    again = attach(sessions, postmortem_id, "F1: see 22:31 deploy done", "1764000100.000100")

    assert first is not None and again is None, "a re-delivered reply adds nothing"
    with sessions() as session:
        facts = report.facts(session, postmortem_id, now=NOW)
    [attached] = facts.evidence
    assert (attached.chain, attached.source_key, attached.words) == (
        1,
        f"{CHANNEL}:2",
        ("deploy", "done"),
    )


def test_an_unknown_factor_is_refused_and_nothing_is_kept(sessions: sessionmaker[Session]) -> None:
    postmortem_id = seeded(sessions)

    with pytest.raises(BadArguments, match="no F4 in this post-mortem: its factors are F0, F1"):
        attach(sessions, postmortem_id, "F4: see 22:31 deploy", "1764000200.000100")
    with sessions() as session:
        assert report.facts(session, postmortem_id, now=NOW).evidence == ()


def test_a_time_copied_from_the_bots_utc_timeline_is_read_in_utc(
    sessions: sessionmaker[Session],
) -> None:
    """Alice in Berlin copies "21:31" from the timeline the bot posted (its column says
    UTC) and says so: the line at 21:31 UTC is attached, not one near 21:31 Berlin time,
    and the words "UTC" are not looked for in the line."""
    postmortem_id = seeded(sessions)

    notice = attach(sessions, postmortem_id, "F1: see 21:31 UTC deploy done", "1764000300.0001")

    assert notice is not None and getattr(notice, "zone", None) == "UTC"
    with sessions() as session:
        [attached] = report.facts(session, postmortem_id, now=NOW).evidence
    assert (attached.source_key, attached.words) == (f"{CHANNEL}:2", ("deploy", "done"))


def test_a_citation_with_a_very_long_word_is_kept_readable_not_as_a_digest(
    sessions: sessionmaker[Session],
) -> None:
    """A pasted 5,000-character word: the line holding it is still found by its start,
    and the report names the words as typed (their start), never a column's digest."""
    postmortem_id = seeded(sessions)
    long_word = "deploy" + "x" * 5_000
    with sessions.begin() as session:
        session.add(
            TimelineEvent(
                team_id=TEAM,
                postmortem_id=postmortem_id,
                occurred_at=datetime(2026, 11, 24, 21, 40, tzinfo=UTC),
                source="slack",
                source_key=f"{CHANNEL}:3",
                text=f"pasted {long_word}",
            )
        )

    notice = attach(sessions, postmortem_id, f"F1: see 22:40 {long_word} api", "1764000400.0001")

    assert notice is not None
    with sessions() as session:
        [attached] = report.facts(session, postmortem_id, now=NOW).evidence
    assert attached.source_key == f"{CHANNEL}:3"
    assert attached.words[0] == long_word[:32] and attached.words[1] == "api"


def test_an_edited_citation_stands_for_what_it_says_now(sessions: sessionmaker[Session]) -> None:
    """Alice cites the wrong deploy line, then edits her reply to the right minute: the
    evidence moves to that line (said again in the thread); the same edit delivered again
    changes nothing; edited into plain words, it backs F1 no more and she is told."""
    postmortem_id = seeded(sessions)
    ts = "1764000500.000100"

    def reply(text: str) -> Reply:
        return Reply(TEAM, CHANNEL, ts, "1764000000.000100", "U0ALICE", text)

    def edit(text: str) -> Outcome | None:
        with sessions.begin() as session:
            return interview.take_edit(
                session, reply(text), edited_at=NOW, now=NOW, tz=lambda: "Europe/Berlin"
            )

    def evidence_keys() -> list[str]:
        with sessions() as session:
            return [e.source_key for e in report.facts(session, postmortem_id, now=NOW).evidence]

    with sessions.begin() as session:
        first = interview.take_reply(
            session,
            reply("F1: see 22:20 deploy"),
            event_id="Ev0CITE1",
            now=NOW,
            tz=lambda: "Europe/Berlin",
        )
    assert first is not None and first.citation is not None
    assert evidence_keys() == [f"{CHANNEL}:1"]

    moved = edit("F1: see 22:31 deploy done")
    assert moved is not None and moved.citation is not None and moved.citation.chosen
    assert moved.citation.chosen.source_key == f"{CHANNEL}:2"
    assert evidence_keys() == [f"{CHANNEL}:2"]
    assert edit("F1: see 22:31 deploy done") is None, "the same edit again says nothing"

    gone = edit("Thanks, that was the deploy")
    assert gone is not None and gone.refusal is not None
    assert "no longer evidence for F1" in gone.refusal
    assert evidence_keys() == []


def test_the_report_reads_answer_authors_stored_zones_of_its_own_team_only(
    sessions: sessionmaker[Session],
) -> None:
    """The report must not ask Slack while it renders: a `see 14:31` in an answer is read
    on the zone the bot stored when its author answered, and another workspace's person
    with the same id lends it nothing."""
    postmortem_id = seeded(sessions)
    with sessions.begin() as session:
        timezones.remember(session, TEAM, "U0LAPAT", "America/Los_Angeles", NOW)
        timezones.remember(session, "T0OTHER", "U0BERLIN", "Europe/Berlin", NOW)

    with sessions() as session:
        facts = report.facts(session, postmortem_id, now=NOW)

    assert dict(facts.zones) == {"U0LAPAT": "America/Los_Angeles"}
