"""Publishing the report: the steps `/postmortem publish`, the Publish button and
`/postmortem share revoke` share.

The channel gets one summary message and the Markdown file. Publishing again
edits that message (chat.update) and puts the new file in its thread, so the
channel never holds two versions side by side; the announcements channel, when
set, gets the same summary and the same treatment.

A crash between a Slack call and `finish_publish` posts nothing twice. The report's
claim is the record of the publish under way; the claimer is the request's own id,
so the inbox's replay of the same publish takes its claim back at once. The
summary carries Slack metadata naming the post-mortem (`postmortem_summary`): a
publish with no summary recorded first looks for one (`bot.flows.slack_once`)
and adopts it. The file cannot carry metadata, so it is looked for by what is
unique to its upload: the first one is the report's file shared in the channel
after the summary, a later one the reply in the summary's thread whose comment
names its publish number ("Updated report (publish #3)"). When a metric chart has
something to draw, a PNG of the charts follows in the summary's thread, found the
same way by its comment ("Metrics over the incident window (publish #1)").
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.core.metric_chart import Geometry
from bot.core.report import Report
from bot.core.report_text import as_typed
from bot.core.report_words import Names, names_for
from bot.core.slack_text import channel_link, escape
from bot.documents import metric_images
from bot.documents.render import markdown_document, metric_figures
from bot.flows import metrics, slack_once, tickets
from bot.flows.deps import Deps
from bot.services import report as report_service
from bot.services.report import Posted, Publishing, Target
from bot.slack import limits, report_blocks
from bot.slack.names import UserNames

logger = logging.getLogger(__name__)

GONE = ("message_not_found", "cant_update_message", "channel_not_found")
EVENT_TYPE = "postmortem_summary"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Outcome:
    channel_id: str
    permalink: str | None
    updated: bool
    announce_channel: str | None
    announce_problem: str | None
    tickets: str | None = None  # the action items' tickets filed now, or the tracker's refusal

    def words(self) -> str:
        """What the person who published is told."""
        where = f"<{self.permalink}|the summary>" if self.permalink else "the summary"
        channel = channel_link(self.channel_id)
        if self.updated:
            said = f"Updated {where} in {channel}; the new Markdown file is in its thread."
        else:
            said = f"Published {where} and the Markdown report in {channel}."
        if self.announce_problem and self.announce_channel:
            said += (
                f" I could not post it to {channel_link(self.announce_channel)} "
                f"(`{escape(self.announce_problem)}`): invite me there and publish again."
            )
        if self.tickets:
            said += f" {self.tickets}"
        return said


def share_url(settings: Settings, token: str | None) -> str | None:
    return f"{settings.public_base_url.rstrip('/')}/postmortems/{token}" if token else None


def names_of(client: WebClient, report: Report) -> Names:
    return names_for(report, UserNames(client).name)


def publish(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    postmortem_id: int,
    user_id: str,
    request_id: str | None = None,
) -> Outcome:
    """Claim, post or update, record; a failed Slack call leaves the claim free again.

    `request_id` (the command's or click's trigger id) claims the publish, so a replay
    of the same request after a crash resumes it rather than waiting for the claim to
    go stale."""
    now, claimer = deps.clock(), request_id or uuid.uuid4().hex
    with deps.sessions.begin() as session:
        target = report_service.begin_publish(
            session, team_id, postmortem_id, now=now, claimer=claimer
        )
    try:
        # Every item gets its ticket before the report is written, so the report links it.
        filing = tickets.file_missing(deps, client, team_id, postmortem_id)
        # The metrics as Prometheus has them now, kept before the report that draws them.
        metrics.refresh(deps, postmortem_id)
        with deps.sessions.begin() as session:
            report = report_service.assemble(
                session, postmortem_id, now=now, publishing=Publishing(now, user_id)
            )
        people = names_of(client, report)
        posted, updated, problem = _post(deps, client, target, report, people)
    except BaseException:
        with deps.sessions.begin() as session:
            report_service.abandon_publish(session, postmortem_id, claimer=claimer)
        raise
    with deps.sessions.begin() as session:
        report_service.finish_publish(
            session, postmortem_id, posted, by=user_id, now=now, names=people.known, claimer=claimer
        )
    return Outcome(
        channel_id=target.channel_id,
        permalink=_permalink(client, target.channel_id, posted.channel_ts),
        updated=updated,
        announce_channel=deps.settings.report_announce_channel,
        announce_problem=problem,
        tickets=filing.words() if filing else None,
    )


def redraw(deps: Deps, client: WebClient, postmortem_id: int) -> None:
    """Redraw the published summary as the database has it now (after a revoke: no link)."""
    with deps.sessions.begin() as session:
        target = report_service.target(session, postmortem_id)
        if target.channel_ts is None:
            return
        report = report_service.assemble(session, postmortem_id, now=deps.clock())
    text, blocks = _summary(deps, target, report, names_of(client, report))
    _update(client, target.channel_id, target.channel_ts, text, blocks)
    if target.announce_channel and target.announce_ts:
        try:
            _update(client, target.announce_channel, target.announce_ts, text, blocks)
        except SlackApiError as error:
            logger.warning("announcement redraw failed error=%s", error.response.get("error"))


def stamp(postmortem_id: int) -> slack_once.Stamp:
    """The metadata of a post-mortem's summary message, in its channel and the announcements'."""
    return slack_once.Stamp(EVENT_TYPE, {"postmortem": str(postmortem_id)})


def _post(
    deps: Deps, client: WebClient, target: Target, report: Report, people: Names
) -> tuple[Posted, bool, str | None]:
    text, blocks = _summary(deps, target, report, people)
    ts = _update(client, target.channel_id, target.channel_ts, text, blocks)
    updated, recovered = ts is not None, False
    if ts is None:
        sent = _post_summary(client, target, target.channel_id, text, blocks)
        ts, recovered = sent.ts, sent.recovered
        if recovered:  # posted by the interrupted attempt: say what this one publishes
            _update(client, target.channel_id, ts, text, blocks)
    content = markdown_document(
        report,
        people,
        deps.templates,
        link=share_url(deps.settings, target.share_token),
        grafana_url=deps.settings.grafana_url,
    )
    upload = report_upload(target, report, content, summary_ts=ts, in_thread=updated)
    file_id = _upload_once(client, upload, looked_for=updated or recovered)
    drawn = [figure.geometry for figure in metric_figures(report, None)]
    image = _charts_image(deps, drawn)
    if image is not None:
        pictured = chart_upload(target, report, image, ts, alt_text=metric_images.described(drawn))
        _upload_once(client, pictured, looked_for=updated or recovered)
    announce_channel, announce_ts, problem = _announce(deps, client, target, text, blocks)
    return Posted(ts, file_id, announce_channel, announce_ts), updated, problem


def _post_summary(
    client: WebClient, target: Target, channel: str, text: str, blocks: list[dict[str, Any]]
) -> slack_once.Sent:
    """A new summary message, or the one an interrupted publish posted (found by its stamp,
    among what was posted since the publish's attempts began)."""
    return slack_once.post(
        client,
        channel,
        stamp(target.postmortem_id),
        text=text,
        blocks=blocks,
        recover=True,
        since=target.attempt_since,
        unfurl_links=False,
    )


def _summary(
    deps: Deps, target: Target, report: Report, people: Names
) -> tuple[str, list[dict[str, Any]]]:
    return report_blocks.summary(
        report,
        people,
        deps.templates,
        postmortem_id=target.postmortem_id,
        url=share_url(deps.settings, target.share_token),
    )


def _update(
    client: WebClient, channel: str, ts: str | None, text: str, blocks: list[dict[str, Any]]
) -> str | None:
    """Edit the message at `ts`; None when there is none, or it was deleted meanwhile."""
    if ts is None:
        return None
    try:
        limits.update(client, channel, ts, text, blocks)
    except SlackApiError as error:
        if error.response.get("error") in GONE:
            return None
        raise
    return ts


@dataclass(frozen=True)
class Upload:
    """A file this publish shares: the report's Markdown (a first publish shares it in the
    channel, a later one in the summary's thread with a comment naming its number) or the
    PNG of its metric charts (always in the thread, its comment naming the publish)."""

    target: Target
    content: str | bytes
    filename: str
    title: str
    summary_ts: str
    in_thread: bool
    comment: str | None
    alt_text: str | None = None

    def is_share(self, message: dict[str, Any]) -> bool:
        """Whether `message` is the share of this very upload, from an earlier attempt."""
        names = [f.get("name") for f in message.get("files") or []]
        if self.filename not in names:
            return False
        if self.in_thread:
            return message.get("text") == self.comment
        return float(message.get("ts") or 0) > float(self.summary_ts)


def report_upload(
    target: Target, report: Report, content: str, *, summary_ts: str, in_thread: bool
) -> Upload:
    number = target.publish_count + 1
    return Upload(
        target,
        content,
        filename(report),
        f"Post-mortem report: {as_typed(report.header.dated_title)}",
        summary_ts,
        in_thread,
        f"Updated report (publish #{number})" if in_thread else None,
    )


def chart_upload(
    target: Target, report: Report, image: bytes, summary_ts: str, *, alt_text: str
) -> Upload:
    number = target.publish_count + 1
    return Upload(
        target,
        image,
        "metrics-" + filename(report).removeprefix("postmortem-").removesuffix(".md") + ".png",
        f"Metrics: {as_typed(report.header.dated_title)}",
        summary_ts,
        True,
        f"Metrics over the incident window (publish #{number})",
        limits.shorten(alt_text, limits.FILE_ALT_TEXT),
    )


def _charts_image(deps: Deps, drawn: list[Geometry]) -> bytes | None:
    """The drawable charts as one PNG; None without one (the report says why)."""
    try:
        return metric_images.png(deps.templates, drawn)
    except ValueError as error:  # resvg refused the drawing: the report still goes out
        logger.warning("metric chart image failed error=%s", error)
        return None


def _upload_once(client: WebClient, upload: Upload, *, looked_for: bool) -> str | None:
    """Upload, unless an interrupted attempt of this publish did (looked for only when one
    could have: a later publish, or a summary adopted from an earlier attempt)."""
    found = _uploaded_before(client, upload) if looked_for else None
    return found if found is not None else _upload(client, upload)


def _uploaded_before(client: WebClient, upload: Upload) -> str | None:
    """The id of the file an interrupted attempt of this publish uploaded, if any."""
    found = slack_once.find_where(
        client,
        upload.target.channel_id,
        upload.is_share,
        thread_ts=upload.summary_ts if upload.in_thread else None,
        what=f"report file {upload.filename}",
        since=upload.target.attempt_since,
    )
    if found is None:
        return None
    logger.info("adopted earlier report upload postmortem=%s", upload.target.postmortem_id)
    return next(f.get("id") for f in found["files"] if f.get("name") == upload.filename)


def _upload(client: WebClient, upload: Upload) -> str | None:
    response = client.files_upload_v2(
        channel=upload.target.channel_id,
        thread_ts=upload.summary_ts if upload.in_thread else None,
        content=upload.content,
        filename=upload.filename,
        title=upload.title,
        initial_comment=upload.comment,
        alt_txt=upload.alt_text,
    )
    files = response.get("files") or [response.get("file") or {}]
    return files[0].get("id")


def _announce(
    deps: Deps, client: WebClient, target: Target, text: str, blocks: list[dict[str, Any]]
) -> tuple[str | None, str | None, str | None]:
    """(channel, ts, problem): the summary in the announcements channel, if one is set.
    A refusal there does not undo the publish; the person is told instead."""
    channel = deps.settings.report_announce_channel
    if channel is None:
        return target.announce_channel, target.announce_ts, None
    previous = target.announce_ts if target.announce_channel == channel else None
    try:
        ts = _update(client, channel, previous, text, blocks)
        if ts is None:
            ts = _post_summary(client, target, channel, text, blocks).ts
    except SlackApiError as error:
        code = str(error.response.get("error") or "error")
        logger.warning("announcement failed channel=%s error=%s", channel, code)
        return target.announce_channel, target.announce_ts, code
    return channel, ts, None


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError:
        return None


def filename(report: Report) -> str:
    slug = _SLUG.sub("-", report.header.title.lower()).strip("-")[:60] or "incident"
    return f"postmortem-{slug}-{report.header.day.isoformat()}.md"
