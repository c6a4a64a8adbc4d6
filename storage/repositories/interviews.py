"""Interview state and its answers. Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import changed_rows
from storage.models import Answer, Interview


def get(session: Session, postmortem_id: int) -> Interview | None:
    return session.get(Interview, postmortem_id, populate_existing=True)


def add_unless_exists(session: Session, interview: Interview) -> Interview:
    """Insert `interview`, or return the row a concurrent start already inserted."""
    try:
        with session.begin_nested():
            session.add(interview)
    except IntegrityError:
        existing = get(session, interview.postmortem_id)
        if existing is None:
            raise
        return existing
    return interview


def take_writer_lock(session: Session, postmortem_id: int) -> None:
    """On SQLite, start the transaction with a write so it is atomic and sees the latest state.

    pysqlite begins a transaction only at the first write: a savepoint opened
    before that becomes the transaction itself, and releasing it commits. SQLite
    has one writer at a time anyway, so taking the lock first costs nothing.
    PostgreSQL needs none of this; the version check arbitrates there.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    statement = (
        update(Interview)
        .where(Interview.postmortem_id == postmortem_id)
        .values(version=Interview.version)
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)


def compare_and_set(
    session: Session,
    postmortem_id: int,
    expected_version: int,
    *,
    stage: str,
    chain: int,
    depth: int,
) -> bool:
    """Move the interview on only if nobody moved it since `expected_version` was read.

    The version check is part of the UPDATE, so the database decides between two
    answers racing for one question; the loser sees False and re-reads.
    """
    statement = (
        update(Interview)
        .where(Interview.postmortem_id == postmortem_id, Interview.version == expected_version)
        .values(stage=stage, chain=chain, depth=depth, version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement) == 1


def set_prompt(session: Session, postmortem_id: int, prompt_ts: str, version: int) -> None:
    """Remember the question message, unless a later question replaced it already."""
    statement = (
        update(Interview)
        .where(Interview.postmortem_id == postmortem_id, Interview.version == version)
        .values(prompt_ts=prompt_ts)
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)


def answer_by_message(session: Session, postmortem_id: int, message_ts: str) -> Answer | None:
    query = select(Answer).where(
        Answer.postmortem_id == postmortem_id, Answer.message_ts == message_ts
    )
    return session.scalars(query).one_or_none()


def add_answer(session: Session, answer: Answer) -> bool:
    """Insert `answer`; False when its message was recorded already (a duplicate delivery)."""
    try:
        with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        return False
    return True


def latest_answer(
    session: Session,
    postmortem_id: int,
    question: str,
    chain: int | None = None,
    depth: int | None = None,
) -> Answer | None:
    """The answer that counts for a question: the latest one (`back` lets a team re-answer)."""
    query = select(Answer).where(Answer.postmortem_id == postmortem_id, Answer.question == question)
    if chain is not None:
        query = query.where(Answer.chain == chain)
    if depth is not None:
        query = query.where(Answer.depth == depth)
    return session.scalars(query.order_by(Answer.id.desc()).limit(1)).first()


def chain_depths(session: Session, postmortem_id: int) -> dict[int, int]:
    """The deepest answered (not skipped) why-level of each chain."""
    query = (
        select(Answer.chain, func.max(Answer.depth))
        .where(
            Answer.postmortem_id == postmortem_id,
            Answer.question == "why",
            Answer.skipped.is_(False),
        )
        .group_by(Answer.chain)
    )
    rows = session.execute(query)
    return {chain: depth for chain, depth in rows if chain is not None and depth is not None}


def list_answers(session: Session, postmortem_id: int) -> list[Answer]:
    query = select(Answer).where(Answer.postmortem_id == postmortem_id).order_by(Answer.id)
    return list(session.scalars(query))
