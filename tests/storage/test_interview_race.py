"""Two answers racing for one question are both kept, in the order the database took them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import interview, postmortems
from bot.services.interview import Reply
from bot.services.interview_outcome import Outcome
from storage.models import Answer, Interview
from storage.repositories import interviews

NOW = datetime(2024, 11, 27, 12, 0, tzinfo=UTC)
THREAD = "1700000000.000100"


def utc() -> str:
    return "UTC"


def reply(ts: str, text: str) -> Reply:
    return Reply("T1", "C1", ts, THREAD, "U1", text)


@pytest.fixture
def postmortem_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        postmortem, _ = postmortems.start(
            session, team_id="T1", channel_id="C1", user_id="U1", title="Checkout", now=NOW
        )
        postmortems.record_thread(session, postmortem.id, THREAD)
        interview.begin(session, postmortem.id)
        return postmortem.id


def test_the_loser_of_a_race_is_filed_under_the_next_question(
    sessions: sessionmaker[Session], postmortem_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sessions()
    first.begin()
    interview.take_reply(first, reply("1.1", "the summary"), event_id=None, now=NOW, tz=utc)
    at_compare_and_set = threading.Event()
    monkeypatch.setattr(interviews, "compare_and_set", _signalling(at_compare_and_set))
    second: list[Outcome | None] = []
    racer = threading.Thread(target=_answer, args=(sessions, reply("1.2", "the impact"), second))
    racer.start()
    raced = first.get_bind().dialect.name == "postgresql"
    if raced:
        # The second answer has read the old state and waits on the row the first one updated.
        assert at_compare_and_set.wait(10)
    first.commit()
    first.close()
    racer.join(10)

    with sessions() as session:
        filed = session.scalars(select(Answer).order_by(Answer.id)).all()
        stage = session.scalars(select(Interview.stage)).one()
    assert [(a.question, a.text) for a in filed] == [
        ("summary", "the summary"),
        ("impact", "the impact"),
    ]
    assert stage == "detection"
    assert second[0] is not None and second[0].accepted_ts == "1.2"
    if raced:
        assert second[0].note == "the impact", "the loser is told where its answer went"


def test_a_second_delivery_of_a_reply_files_nothing(
    sessions: sessionmaker[Session], postmortem_id: int
) -> None:
    for _ in range(2):
        with sessions.begin() as session:
            interview.take_reply(
                session, reply("1.1", "the summary"), event_id=None, now=NOW, tz=utc
            )
    with sessions() as session:
        assert len(session.scalars(select(Answer)).all()) == 1
        assert session.scalars(select(Interview.stage)).one() == "impact"


def _answer(sessions: sessionmaker[Session], message: Reply, out: list[Outcome | None]) -> None:
    with sessions.begin() as session:
        out.append(interview.take_reply(session, message, event_id=None, now=NOW, tz=utc))


def _signalling(event: threading.Event) -> Callable[..., bool]:
    real = interviews.compare_and_set

    def compare_and_set(*args: Any, **kwargs: Any) -> bool:
        event.set()
        return real(*args, **kwargs)

    return compare_and_set
