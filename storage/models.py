"""The database schema, as typed SQLAlchemy 2.0 models.

Every row carries the Slack team id so one database can serve several
workspaces. Times are timezone-aware UTC everywhere (see `UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite too.

    SQLite has no timezone type and hands back naive values; refusing naive
    input keeps a local-time bug from ever reaching the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Postmortem(Base):
    """One post-mortem per incident channel."""

    __tablename__ = "postmortems"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_postmortem_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.team_id"))
    channel_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str | None] = mapped_column(String(16))
    incident_start: Mapped[datetime | None]
    incident_end: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    lead_user_id: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    pagerduty_incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[TimelineEvent]] = relationship(
        back_populates="postmortem", order_by="TimelineEvent.occurred_at"
    )


class TimelineEvent(Base):
    """One line of the timeline, keyed on its upstream id so a re-delivery adds nothing."""

    __tablename__ = "timeline_events"
    __table_args__ = (
        UniqueConstraint("postmortem_id", "source", "source_key", name="uq_timeline_source_key"),
        Index("ix_timeline_postmortem_time", "postmortem_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32))
    # PagerDuty only: which feed brought it ("webhook" or "log") and for which incident,
    # so the two reports of one happening can be told apart from two happenings.
    via: Mapped[str | None] = mapped_column(String(8))
    incident_id: Mapped[str | None] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    is_key: Mapped[bool] = mapped_column(default=False)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    postmortem: Mapped[Postmortem] = relationship(back_populates="events")


class Delivery(Base):
    """An upstream delivery already processed: Slack event ids, PagerDuty webhook ids."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("source", "delivery_id", name="uq_delivery"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PagerDutyEvent(Base):
    """A signed PagerDuty webhook event, kept even before any post-mortem links its incident.

    `team_id` stays empty until a post-mortem links the incident: a webhook
    does not say which Slack workspace it belongs to.
    """

    __tablename__ = "pagerduty_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    agent_name: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interview(Base):
    """Where the thread interview of a post-mortem stands; one row per post-mortem."""

    __tablename__ = "interviews"

    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16), default="summary")
    chain: Mapped[int] = mapped_column(default=1)
    prompt_ts: Mapped[str | None] = mapped_column(String(32))
    # Bumped on every transition: two answers racing for one question are both kept,
    # and the loser of the update re-reads the state instead of overwriting it.
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Answer(Base):
    """One reply in the interview thread, keyed on its Slack ts so an edit replaces it."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("postmortem_id", "message_ts", name="uq_answer_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(16))
    chain: Mapped[int | None]
    depth: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    skipped: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]


class Factor(Base):
    """A contributing factor: one why-chain, its layer and its kind."""

    __tablename__ = "factors"
    __table_args__ = (UniqueConstraint("postmortem_id", "chain", name="uq_factor_chain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    chain: Mapped[int]
    layer: Mapped[str] = mapped_column(String(16), default="contributing")
    kind: Mapped[str] = mapped_column(String(24), default="other")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionItem(Base):
    """`AI-001`…: one owner, one deadline, one priority, tracked until done."""

    __tablename__ = "action_items"
    __table_args__ = (
        UniqueConstraint("postmortem_id", "number", name="uq_action_item_number"),
        Index("ix_action_items_owner_status", "team_id", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    number: Mapped[int]
    action: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    deadline: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="open")
    factor_id: Mapped[int | None] = mapped_column(ForeignKey("factors.id", ondelete="SET NULL"))
    vague_kept: Mapped[bool] = mapped_column(default=False)
    ticket_url: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))

    @property
    def code(self) -> str:
        return f"AI-{self.number:03d}"


class LanguageFinding(Base):
    """Blaming or vague wording the bot pushed back on, and what became of it."""

    __tablename__ = "language_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    action_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    phrase: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")
    reply_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
