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

from storage import bounds


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
    # The service it is about (`/postmortem service NAME`): metrics and alerts narrowed to it.
    service: Mapped[str | None] = mapped_column(String(64))
    # The earliest `--since` anyone gave `start`: the history backfill reads from there or earlier.
    history_since: Mapped[datetime | None]
    # Follow-up: publishing sets `published_at`; the review is four weeks later
    # unless `/postmortem followup` moved it to `followup_review_on`.
    published_at: Mapped[datetime | None]
    followup_review_on: Mapped[date | None] = mapped_column(Date)
    review_confirmed_at: Mapped[datetime | None]
    review_confirmed_by: Mapped[str | None] = mapped_column(String(32))
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
        # Whose post-mortems: the App Home finds those a person spoke in (bot.services.home).
        Index("ix_timeline_team_actor", "team_id", "actor"),
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

    A webhook does not say which Slack workspace it belongs to: it belongs to the
    workspace its service is mapped to (`PagerDutyService`). `service_id` is the
    service its body names, or its incident's (`PagerDutyIncident`); None while
    neither is known, and then it belongs to no workspace in OAuth mode.
    """

    __tablename__ = "pagerduty_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    service_id: Mapped[str | None] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    agent_name: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PagerDutyService(Base):
    """A PagerDuty service an admin gave to a workspace (`postmortem-bot pagerduty map`).

    Its incidents' webhook events and REST logs are that workspace's alone. In
    single-workspace mode an unmapped service is the one workspace's; in OAuth mode
    it is nobody's."""

    __tablename__ = "pagerduty_services"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    mapped_at: Mapped[datetime] = mapped_column(default=utcnow)


class PagerDutyIncident(Base):
    """The service an incident was last seen on, by a webhook or the REST API."""

    __tablename__ = "pagerduty_incidents"

    incident_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    service_name: Mapped[str | None] = mapped_column(String(200))
    learned_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringAlert(Base):
    """One transition of an alert Alertmanager notified (firing, or resolved), kept once.

    `key` is the transition's identity ("am:<fingerprint>:<startsAt unix>[:resolved]"),
    so the resends of every `repeat_interval`, and both peers of an Alertmanager cluster,
    add nothing. Kept whether or not a post-mortem takes it yet: one started later, or
    that names its `service` later, files it then (`bot.services.alerts`). Belongs to no
    workspace of its own; the service is what ties it to one.
    """

    __tablename__ = "monitoring_alerts"
    __table_args__ = (Index("ix_monitoring_alerts_service_start", "service", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    alertname: Mapped[str] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    labels: Mapped[dict] = mapped_column(JSON)
    annotations: Mapped[dict] = mapped_column(JSON)
    generator_url: Mapped[str | None] = mapped_column(Text)
    group_key: Mapped[str] = mapped_column(Text)
    receiver: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringService(Base):
    """A monitoring service (the `service` label of alerts and metrics) an admin gave to a
    workspace (`postmortem-bot monitoring map`).

    In OAuth mode a post-mortem gets a service's alerts, ALERTS history and charts only
    when the service is mapped to its workspace; in single-workspace mode no mapping is
    needed."""

    __tablename__ = "monitoring_services"

    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    mapped_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interview(Base):
    """Where the thread interview of a post-mortem stands; one row per post-mortem."""

    __tablename__ = "interviews"

    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16), default="summary")
    chain: Mapped[int] = mapped_column(default=1)
    # In the "why" stage: the level of `chain` being asked for (1 = the first why).
    depth: Mapped[int] = mapped_column(default=1, server_default="1")
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
    # Who picked the kind; while None the bot re-suggests it as the chain grows.
    kind_chosen_by: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FactorEvidence(Base):
    """A timeline line a person cited for a factor ("F2: see 22:31 deploy" in the thread).

    One row per citing reply (its ts keeps a re-delivery from adding another); the line
    is kept by its upstream key, as the report's timeline names it."""

    __tablename__ = "factor_evidence"
    __table_args__ = (
        UniqueConstraint("postmortem_id", "message_ts", name="uq_factor_evidence_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    chain: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(128))
    words: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
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
    # The thread reply it was written in, so an edit of that reply re-parses the item.
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    vague_kept: Mapped[bool] = mapped_column(default=False)
    # Slack's error when the thread notice of this item was refused (None: announced, or
    # never tried); `/postmortem interview` announces it again.
    not_announced: Mapped[str | None] = mapped_column(String(32))
    ticket_url: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))


class TicketTracker(Base):
    """Where a channel's action items are filed (`/postmortem tracker github owner/name`);
    a channel without one uses GITHUB_REPOSITORY. A webhook from that repository speaks
    only for the workspaces that named it (or, for GITHUB_REPOSITORY, any)."""

    __tablename__ = "ticket_trackers"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_ticket_tracker_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(16))  # "github" (or "jira")
    target: Mapped[str] = mapped_column(String(200), index=True)  # owner/name, a project key
    set_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrackerIdentity(Base):
    """A person's login in a tracker (`/postmortem me github <login>`): their tickets'
    assignee."""

    __tablename__ = "tracker_identities"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "system", name="uq_tracker_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(16))
    identity: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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


class TimelineGap(Base):
    """Something the timeline could not see, recorded when it happened (method step 1).

    `scope` names the feed ("slack:C123", "pagerduty:PT4KHLK") so a later successful
    read of that feed can clear the gap; `location` and `reason` are for people."""

    __tablename__ = "timeline_gaps"
    __table_args__ = (UniqueConstraint("postmortem_id", "kind", "scope", name="uq_timeline_gap"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A person said the gap is on purpose (a message removed for privacy): who, and when.
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None]


class BackfillProgress(Base):
    """How far a history backfill has read while it runs (`bot.flows.channel_history`).

    The row exists from the backfill's first page to its last: one left behind was cut
    short by a crash, and the next run resumes from it. Every message from `read_down_to`
    (None: none yet) up to `newest_ts`, the newest the run set out to read, is filed."""

    __tablename__ = "backfill_progress"
    __table_args__ = (UniqueConstraint("postmortem_id", "scope", name="uq_backfill_progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(200))
    newest_ts: Mapped[str] = mapped_column(String(32))
    read_down_to: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TimelineMark(Base):
    """Who or what marks a message as key: one row per pin or per person's key reaction.

    A message stays key while any mark is left, so one person removing their
    reaction does not undo another's pin."""

    __tablename__ = "timeline_marks"
    __table_args__ = (
        UniqueConstraint("postmortem_id", "source_key", "marked_by", name="uq_timeline_mark"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(128))
    marked_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Milestone(Base):
    """A milestone of the incident (impact started, detected, …) a person set or confirmed.

    Only people's decisions are stored: what the data says (PagerDuty, alert bots, marked
    lines) is derived on every read (`bot.core.milestones.derive`), and a row here wins
    over it. `origin` is "person" for a time typed, or the origin of the derived time the
    person confirmed; `ref` the timeline line or answer it was read from."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("postmortem_id", "name", name="uq_milestone_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(128))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class Followup(Base):
    """A follow-up message owed to someone, claimed before its Slack call and confirmed after.

    Its identity is unique, so one replica sends it however many tick: a digest
    is (owner, ISO week), a nudge (post-mortem, number), a review (post-mortem,
    day). `attempts` lets a claim whose process died be taken over once."""

    __tablename__ = "reminders"  # its first name: renaming a table is not worth a migration
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject", "period", name="uq_reminder"),
        Index("ix_reminders_postmortem_kind", "postmortem_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    postmortem_id: Mapped[int | None] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(8), default="claimed")
    attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(200))


class UserTimezone(Base):
    """A person's timezone as Slack's users.info last gave it, so ticks need not ask again."""

    __tablename__ = "user_timezones"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tz: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]


class SlackInstallation(Base):
    """The bot token a workspace gave the app when it installed it (multi-workspace mode).

    One row per workspace, keyed by its team id (by the enterprise id for an
    org-wide install); installing again replaces the row. The tokens are stored
    encrypted (`fernet:…`, see `storage.secrets`); only
    `storage.repositories.installations` reads or writes them.
    """

    __tablename__ = "slack_installations"

    install_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(200))
    is_enterprise_install: Mapped[bool] = mapped_column(default=False)
    app_id: Mapped[str | None] = mapped_column(String(32))
    bot_id: Mapped[str] = mapped_column(String(32))
    bot_user_id: Mapped[str] = mapped_column(String(32))
    bot_token: Mapped[str] = mapped_column(Text)
    bot_scopes: Mapped[str] = mapped_column(Text, default="")
    bot_refresh_token: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[datetime | None]
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthState(Base):
    """A `state` given to a browser starting an install; the redirect back consumes it once."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class BotTokenRefusal(Base):
    """Slack said SLACK_BOT_TOKEN no longer works (single-workspace mode: an uninstall or
    revocation event, or a job's call refused): the jobs skip their rounds until `serve`
    starts with a token whose auth.test succeeds, which deletes the row."""

    __tablename__ = "bot_token_refusals"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64))
    refused_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportRecord(Base):
    """The report of a post-mortem as distributed: its channel post, file and share link.

    `published_at`/`published_by` are the latest publish (the first one is
    `Postmortem.published_at`, which the 48-hour rule and the follow-up read).
    `names` keeps the display names Slack gave at the last publish or share, so
    the shared page is drawn without asking Slack. `claimed_at` keeps two
    publishes from both posting a new channel message.
    """

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("share_token", name="uq_report_share_token"),)

    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(32))
    publish_count: Mapped[int] = mapped_column(default=0)
    channel_ts: Mapped[str | None] = mapped_column(String(32))
    file_id: Mapped[str | None] = mapped_column(String(32))
    announce_channel: Mapped[str | None] = mapped_column(String(32))
    announce_ts: Mapped[str | None] = mapped_column(String(32))
    share_token: Mapped[str | None] = mapped_column(String(64))
    share_created_at: Mapped[datetime | None]
    share_created_by: Mapped[str | None] = mapped_column(String(32))
    share_revoked_at: Mapped[datetime | None]
    share_revoked_by: Mapped[str | None] = mapped_column(String(32))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboxItem(Base):
    """A request the bot answered 2xx, recorded before the answer; a worker processes it.

    `(source, delivery_key)` is the sender's own id (Slack event_id, PagerDuty
    webhook id), so a re-delivery is recorded once. Items sharing an
    `order_key` (one interview thread) run one at a time in `id` order. The
    claim protocol is in `storage.repositories.inbox`.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("source", "delivery_key", name="uq_inbox_delivery"),
        # The claim query: what is due, and what a lease that ran out left behind.
        Index("ix_inbox_status_available", "status", "available_at"),
        Index("ix_inbox_status_lease", "status", "lease_until"),
        # "Is an earlier item of this thread still open?", among its open items only
        Index("ix_inbox_order_key_status", "order_key", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    delivery_key: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(32))
    handler: Mapped[str] = mapped_column(String(64))
    order_key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    # JSON object of the request headers a replay needs (signature, timestamp, retry count).
    headers: Mapped[str] = mapped_column(Text, default="{}")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    # Failed runs so far: errors, retries, and leases that ran out under a dead process.
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    done_at: Mapped[datetime | None]


class MetricSnapshot(Base):
    """One configured chart of a post-mortem as Prometheus answered it, kept so the report
    reads the same after Prometheus' retention has passed, and no page view asks Prometheus.

    `series` is JSON, flat arrays per series: `[{"labels": [[name, value], …], "t0": unix
    ms, "dt": [ms after t0, …], "v": [value, …]}, …]` (`bot.services.metrics.dump_series`);
    `missing` the words for why there is nothing (or not everything) to draw, and
    `problem` which data gap that is (`bot.core.timeline.GapKind`)."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (UniqueConstraint("postmortem_id", "name", name="uq_metric_snapshot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)  # the chart's place in PROMETHEUS_QUERIES
    name: Mapped[str] = mapped_column(String(100))
    expr: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(32))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    step_seconds: Mapped[int]
    series: Mapped[str] = mapped_column(Text, default="[]")
    missing: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


# Outside text is bounded on its way in, alike on SQLite and PostgreSQL: no NUL, no
# value longer than its column (storage/bounds.py). Last, so it sees every table.
bounds.bound(Base.metadata)
