"""Use cases of the report: assemble it, publish it, share it as a page, revoke the page.

`assemble` reads everything the report shows in the caller's one transaction.
Publishing is split around the Slack calls the adapter makes: `begin_publish`
claims the right to post (so a double click posts one message) and hands back
where the report went last time; `finish_publish` records who published when,
the channel message and the file. The share link is an unguessable token; it is
kept in the clear because whoever can read the database can read the report.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.report import Report, build
from bot.core.report_evidence import Attached
from bot.core.report_facts import (
    AnswerFact,
    FactorFact,
    Facts,
    FindingFact,
    ItemFact,
    PostmortemFacts,
)
from bot.errors import NotFound, UserError
from bot.services import metrics as metrics_service
from bot.services import postmortems, timezones
from bot.services import timeline as timeline_service
from storage.models import Postmortem, ReportRecord
from storage.repositories import action_items, evidence, factors, findings, interviews, reports

# A publish that has not finished in this long was cut short; another may take over.
CLAIM_TIMEOUT = timedelta(minutes=2)
TOKEN_BYTES = 32


class PublishInProgress(UserError):
    """Someone else is publishing this report right now."""


@dataclass(frozen=True)
class Publishing:
    """Who is publishing now: the report is drawn as it will read once published."""

    at: datetime
    by: str


@dataclass(frozen=True)
class Target:
    """Where the report goes, and where it went the last time it was published."""

    postmortem_id: int
    channel_id: str
    thread_ts: str | None
    title: str
    channel_ts: str | None
    file_id: str | None
    announce_channel: str | None
    announce_ts: str | None
    share_token: str | None
    publish_count: int
    # When this publish's attempts began: the claim an interrupted attempt left (taken
    # back now), else this one's. What an attempt posted is no older, so the stamp is
    # looked for from then on (`bot.flows.slack_once`), not in the newest messages.
    attempt_since: datetime | None = None


@dataclass(frozen=True)
class Posted:
    channel_ts: str
    file_id: str | None
    announce_channel: str | None
    announce_ts: str | None


def assemble(
    session: Session, postmortem_id: int, *, now: datetime, publishing: Publishing | None = None
) -> Report:
    return build(facts(session, postmortem_id, now=now, publishing=publishing))


def facts(
    session: Session, postmortem_id: int, *, now: datetime, publishing: Publishing | None = None
) -> Facts:
    """Everything the report shows, read in the caller's transaction."""
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    view = timeline_service.view(session, postmortem_id)
    factor_rows = factors.list_for(session, postmortem_id)
    chain_of = {row.id: row.chain for row in factor_rows}
    return Facts(
        postmortem=_postmortem_facts(postmortem, reports.get(session, postmortem_id), publishing),
        now=now,
        answers=tuple(
            AnswerFact(a.id, a.question, a.text, a.author_id, a.chain, a.depth, a.skipped)
            for a in interviews.list_answers(session, postmortem_id)
        ),
        factors=tuple(FactorFact(f.chain, f.layer, f.kind, f.text) for f in factor_rows),
        items=tuple(
            ItemFact(
                number=i.number,
                action=i.action,
                owner_id=i.owner_id,
                deadline=i.deadline,
                priority=i.priority,
                status=i.status,
                ticket_url=i.ticket_url,
                vague_kept=i.vague_kept,
                factor_chain=chain_of.get(i.factor_id) if i.factor_id else None,
            )
            for i in action_items.list_for(session, postmortem_id)
        ),
        findings=tuple(
            FindingFact(f.kind, f.status, f.phrase, f.answer_id)
            for f in findings.list_for(session, postmortem_id)
        ),
        entries=view.entries,
        key_entries=tuple(view.key_entries),
        durations=view.durations,
        gaps=view.gaps,
        milestones=view.milestones,
        evidence=tuple(
            Attached(e.chain, e.source, e.source_key, tuple(e.words.split()))
            for e in evidence.list_for(session, postmortem_id)
        ),
        zones=timezones.stored_for_team(session, postmortem.team_id),
        metrics=metrics_service.charts_for(session, postmortem_id),
    )


def postmortem_in_channel(session: Session, team_id: str, channel_id: str) -> int:
    return postmortems.get_for_channel_or_raise(session, team_id, channel_id).id


def begin_publish(
    session: Session, team_id: str, postmortem_id: int, *, now: datetime, claimer: str
) -> Target:
    """Claim the publish and make sure the report has a share link (unless it was revoked)."""
    postmortem = _owned(session, team_id, postmortem_id)
    record = reports.ensure_locked(session, team_id, postmortem_id)
    since = record.claimed_at or now  # an interrupted attempt's claim, read before retaking
    if not reports.claim(
        session, postmortem_id, by=claimer, now=now, stale_before=now - CLAIM_TIMEOUT
    ):
        raise PublishInProgress(
            "Someone is publishing this report right now; try again in a minute."
        )
    if record.share_token is None:
        _new_token(record, now=now, by=None)
    return replace(_target(postmortem, record), attempt_since=since)


def finish_publish(
    session: Session,
    postmortem_id: int,
    posted: Posted,
    *,
    by: str,
    now: datetime,
    names: Mapping[str, str],
    claimer: str,
) -> None:
    """Record the publish; the first one also starts the follow-up clock."""
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    record = reports.get(session, postmortem_id)
    if record is None:
        raise NotFound("This report was never claimed for publishing.")
    if postmortem.published_at is None:
        postmortem.published_at = now
    record.published_at, record.published_by = now, by
    record.publish_count += 1
    record.channel_ts, record.file_id = posted.channel_ts, posted.file_id
    record.announce_channel, record.announce_ts = posted.announce_channel, posted.announce_ts
    record.names = dict(names)
    reports.release(session, postmortem_id, by=claimer)


def abandon_publish(session: Session, postmortem_id: int, *, claimer: str) -> None:
    reports.release(session, postmortem_id, by=claimer)


def share(
    session: Session,
    team_id: str,
    postmortem_id: int,
    *,
    by: str,
    now: datetime,
    names: Mapping[str, str],
) -> str:
    """The page's token: the live one, or a new one if there is none or it was revoked."""
    _owned(session, team_id, postmortem_id)
    record = reports.ensure_locked(session, team_id, postmortem_id)
    if record.share_token is None or record.share_revoked_at is not None:
        _new_token(record, now=now, by=by)
    record.names = dict(names)
    assert record.share_token is not None
    return record.share_token


def live_token(record: ReportRecord | None) -> str | None:
    """The report's share token while its page is on; None before any share and after a
    revoke. The one test of it: the page, the thread's links and the App Home ask here."""
    if record is None or record.share_revoked_at is not None:
        return None
    return record.share_token


def revoke(session: Session, team_id: str, postmortem_id: int, *, by: str, now: datetime) -> bool:
    """Turn the page off; False when there was no live link."""
    _owned(session, team_id, postmortem_id)
    record = reports.get(session, postmortem_id)
    if record is None or live_token(record) is None:
        return False
    record.share_revoked_at, record.share_revoked_by = now, by
    return True


def target(session: Session, postmortem_id: int) -> Target:
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    return _target(postmortem, reports.get(session, postmortem_id))


def page(session: Session, token: str, *, now: datetime) -> tuple[Report, dict[str, str]] | None:
    """The report behind a live share token, with the names kept for it; None otherwise."""
    record = reports.by_token(session, token)
    if record is None or live_token(record) is None:
        return None
    return assemble(session, record.postmortem_id, now=now), dict(record.names or {})


def _postmortem_facts(
    postmortem: Postmortem, record: ReportRecord | None, publishing: Publishing | None
) -> PostmortemFacts:
    first = postmortem.published_at
    last = record.published_at if record else None
    by = record.published_by if record else None
    if publishing is not None:
        first, last, by = first or publishing.at, publishing.at, publishing.by
    return PostmortemFacts(
        title=postmortem.title,
        lead_user_id=postmortem.lead_user_id,
        created_at=postmortem.created_at,
        severity=postmortem.severity,
        incident_start=postmortem.incident_start,
        incident_end=postmortem.incident_end,
        first_published_at=first,
        last_published_at=last,
        published_by=by,
        followup_review_on=postmortem.followup_review_on,
        review_confirmed_at=postmortem.review_confirmed_at,
    )


def _owned(session: Session, team_id: str, postmortem_id: int) -> Postmortem:
    postmortem = postmortems.get_or_raise(session, postmortem_id)
    if postmortem.team_id != team_id:
        raise NotFound(f"Post-mortem {postmortem_id} does not exist.")
    return postmortem


def _new_token(record: ReportRecord, *, now: datetime, by: str | None) -> None:
    record.share_token = secrets.token_urlsafe(TOKEN_BYTES)
    record.share_created_at, record.share_created_by = now, by
    record.share_revoked_at = record.share_revoked_by = None


def _target(postmortem: Postmortem, record: ReportRecord | None) -> Target:
    live = live_token(record)
    return Target(
        postmortem_id=postmortem.id,
        channel_id=postmortem.channel_id,
        thread_ts=postmortem.thread_ts,
        title=postmortem.title,
        channel_ts=record.channel_ts if record else None,
        file_id=record.file_id if record else None,
        announce_channel=record.announce_channel if record else None,
        announce_ts=record.announce_ts if record else None,
        share_token=live,
        publish_count=record.publish_count if record else 0,
    )
