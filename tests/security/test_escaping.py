"""Whatever people or PagerDuty wrote is shown, never acted upon, in every output.

An attacker in the incident channel types script tags, image tags with `onerror`,
Markdown links to `javascript:`, broadcasts and mentions, into messages, the title,
interview answers, action items and `/postmortem event` lines; their Slack display
name is an image tag; a PagerDuty note and its agent carry the same. All of it goes
through the real `serve` as Slack and PagerDuty deliver it (Slack sends typed `<`,
`>` and `&` as entities). Then:

- every mrkdwn text the bot sent to Slack has no `<…>` markup but the bot's own
  mentions of real people, channel links and links to Slack, PagerDuty or itself;
- `timeline.md` and the published report, rendered by a real CommonMark renderer
  (markdown-it-py, raw HTML allowed as CommonMark does), hold no element but the
  document's own, no `on…=` attribute, no link but http(s), and show the typed
  characters as text; no raw `<!channel>` or `<@U…>` is left in either file.

The shared HTML page is checked in a real browser in tests/scenario/test_report_page.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.sandbox import Sandbox
from bot.sandbox.driver import Driver
from bot.slack import action_item_blocks
from storage.models import Postmortem, TimelineEvent
from tests import published
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL

ALICE, BOB, MALLORY = "U0ALICE", "U0BOB", "U0MALLORY"
INCIDENT = "PINJECT1"
HTML_NAME = '<img src=x onerror="alert(1)">'
# What a person typed, as Slack delivers it: `<>&` as entities, mentions as markup.
TYPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; "
    "[x](javascript:alert(1)) <!channel> <@U123> *bold* &lt;http://evil.example|click&gt;"
)
SHOWN = "<script>alert(1)</script>"  # how the reader must see the first of it
MODAL_TYPED = "<script>alert(2)</script> <img src=x onerror=alert(2)> [y](javascript:alert(2))"
TITLE = "Checkout *bold* &lt;http://evil.example|click&gt; <!channel> &lt;b&gt;"
PAGERDUTY_NOTE = "pagerduty_v3_incident.annotated.aldaviva.body.json"


# -- what the bot sent to Slack ---------------------------------------------------------

_MARKUP = re.compile(r"<[^<>]*>")
_OWN = re.compile(
    r"<(@U0(?:ALICE|BOB|MALLORY)|#C[A-Z0-9]+"
    r"|https?://(?:localhost|127\.0\.0\.1|[a-z0-9-]+\.slack\.com|[a-z0-9-]+\.pagerduty\.com)"
    r"[:/][^|<>\s]*(?:\|[^<>]*)?)>"
)


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every string Slack reads as mrkdwn in a call's parameters or an answer's body."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return  # shown as typed: Slack parses no markup there
        for key, item in value.items():
            if key in ("text", "initial_comment") and isinstance(item, str):
                yield item
            else:
                yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def bot_slack_texts(sandbox: Sandbox) -> list[str]:
    sent = [
        call.params
        for call in sandbox.slack.calls
        if call.method.startswith(("chat.", "views.", "files."))
    ]
    sent += [response["body"] for response in sandbox.slack.responses]
    return [text for payload in sent for text in mrkdwn_texts(payload)]


def foreign_markup(texts: list[str]) -> list[str]:
    """`<…>` sequences in `texts` that the bot did not build itself."""
    return [m for text in texts for m in _MARKUP.findall(text) if not _OWN.fullmatch(m)]


# -- what a CommonMark renderer makes of a file -----------------------------------------

DOCUMENT_TAGS = {
    "h1", "h2", "h3", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "a", "hr",
    "br", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "del", "s",
}  # fmt: skip


class Rendered(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append(("!--", []))

    def unknown_decl(self, data: str) -> None:
        self.tags.append(("!", []))


def render_commonmark(source: str) -> Rendered:
    return Rendered(MarkdownIt("commonmark").enable("table").render(source))


def assert_inert_markdown(source: str) -> Rendered:
    rendered = render_commonmark(source)
    for tag, attrs in rendered.tags:
        assert tag in DOCUMENT_TAGS, f"<{tag}> from people's words in {source[:80]!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}=…>"
            if name in ("href", "src"):
                assert (value or "").startswith(("http://", "https://")), f"{name}={value}"
    raw = re.findall(r"(?<!\\)<[@!#][^>\s]*>?", source)
    assert raw == [], f"Slack markup left unescaped in the file: {raw}"
    return rendered


# -- the incident, played ----------------------------------------------------------------


@pytest.fixture
def attacker(sandbox: Sandbox) -> str:
    sandbox.slack.add_user(MALLORY, "mallory", real_name=HTML_NAME)
    sandbox.slack.join(CHANNEL, MALLORY)
    sandbox.pagerduty.add_incident(INCIDENT, title=HTML_NAME, created_at="2026-11-24T13:50:00Z")
    return MALLORY


def _bot_said(sandbox: Sandbox, words: str, *, thread: str | None = None) -> list[dict[str, Any]]:
    messages = sandbox.slack.replies(CHANNEL, thread) if thread else sandbox.slack.messages(CHANNEL)
    return [m for m in messages if m.get("bot_id") and words in (m.get("text") or "")]


def _answered(sandbox: Sandbox, words: str) -> list[str]:
    texts = [r["body"].get("text") or "" for r in sandbox.slack.responses]
    return [t for t in texts if words in t]


def _files(sandbox: Sandbox, prefix: str) -> list[bytes]:
    return [f["content"] for f in sandbox.slack.files if f["filename"].startswith(prefix)]


def play(sandbox: Sandbox, driver: Driver, db: sessionmaker[Session]) -> None:
    driver.slash_command(ALICE, CHANNEL, f"start --severity P1 {INCIDENT} {TITLE}")
    opening = sandbox.wait_for(lambda: _bot_said(sandbox, ""))[0]["ts"]

    def reply(user: str, text: str, expect: str) -> dict[str, Any]:
        message, answer = driver.user_posts(CHANNEL, user, text, thread_ts=opening)
        assert answer.status_code == 200
        after = float(message["ts"])
        try:
            return sandbox.wait_for(
                lambda: [
                    m for m in _bot_said(sandbox, expect, thread=opening) if float(m["ts"]) > after
                ]
            )[-1]
        except TimeoutError:
            said = [m["text"] for m in _bot_said(sandbox, "", thread=opening)[-2:]]
            raise AssertionError(
                f"after {text[:40]!r} no {expect!r}; the bot said {said}"
            ) from None

    sandbox.wait_for(lambda: _bot_said(sandbox, "*Summary.*", thread=opening))
    reply(MALLORY, f"Checkout failed {TYPED}", "*Impact.*")
    reply(MALLORY, f"Orders were lost {TYPED}", "*Detection.*")
    reply(ALICE, "skip", "*Trigger.*")
    reply(MALLORY, f"A config change {TYPED}", "F1 · why #1")
    reply(BOB, f"The pipeline does not validate pool sizes {TYPED}", "F1 · why #2")
    asked = reply(ALICE, f"Config values have no schema {TYPED}", "F1 · why #3")
    button = next(
        element
        for block in asked["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "interview_systemic"
    )
    driver.block_action(
        BOB,
        CHANNEL,
        button["action_id"],
        button["value"],
        message_ts=asked["ts"],
        thread_ts=opening,
    )
    sandbox.wait_for(lambda: _bot_said(sandbox, "F2 · another contributing factor", thread=opening))
    reply(ALICE, "next", "*What went well?*")
    reply(BOB, f"Rolling back was quick {TYPED}", "*Lessons learned.*")
    reply(ALICE, f"Validate config in the pipeline {TYPED}", "*Action items.*")
    reply(
        ALICE,
        f"<@{MALLORY}> add a pool-size range check to deploy.sh {TYPED} by next Friday, high",
        "AI-001",
    )
    add_item_in_the_modal(sandbox, driver, db, opening)
    reply(BOB, "done", "*The interview is complete.*")

    message, _ = driver.user_posts(CHANNEL, MALLORY, f"rolling back now {TYPED}")
    driver.user_reacts(BOB, CHANNEL, message["ts"], "pushpin")
    driver.slash_command(ALICE, CHANNEL, f"event 2026-11-24 14:05 UTC mitigated {TYPED}")
    sandbox.wait_for(lambda: _answered(sandbox, "Added to the timeline"))
    note = _pagerduty_note(f"{SHOWN} [x](javascript:alert(1)) <!channel> <@U123>")
    assert driver.pagerduty_webhook(note).status_code == 200
    sandbox.wait_for(lambda: _timeline_has(db, "rolling back now", "javascript", "mitigated"))


def add_item_in_the_modal(
    sandbox: Sandbox, driver: Driver, db: sessionmaker[Session], opening: str
) -> None:
    """A text input arrives as typed, not as Slack text: `<` is a `<`."""
    with db() as session:
        postmortem_id = session.scalars(select(Postmortem.id)).one()
    keep = {"type": "checkboxes", "selected_options": [{"value": "keep"}]}
    values = {
        "action": {"value": {"type": "plain_text_input", "value": MODAL_TYPED}},
        "owner": {"value": {"type": "users_select", "selected_user": MALLORY}},
        "deadline": {"value": {"type": "datepicker", "selected_date": "2026-12-31"}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": "Low"}}},
        "keep": {"value": keep},
    }
    closed = driver.view_submission(ALICE, action_item_blocks.modal(postmortem_id, []), values)
    assert closed.status_code == 200 and not closed.content, closed.text
    sandbox.wait_for(lambda: _bot_said(sandbox, "*AI-002*", thread=opening))


def _pagerduty_note(content: str) -> bytes:
    body: dict[str, Any] = published.read_json(PAGERDUTY_NOTE)
    event = body["event"]
    event["agent"]["summary"] = HTML_NAME
    event["data"]["incident"]["id"] = INCIDENT
    event["data"]["content"] = content
    event["occurred_at"] = "2026-11-24T14:10:00Z"
    return json.dumps(body).encode()


def _timeline_has(db: sessionmaker[Session], *words: str) -> bool:
    with db() as session:
        texts = list(session.scalars(select(TimelineEvent.text)))
    return all(any(word in text for text in texts) for word in words) and any(
        HTML_NAME in (actor or "") for actor in _actors(db)
    )


def _actors(db: sessionmaker[Session]) -> list[str | None]:
    with db() as session:
        return list(session.scalars(select(TimelineEvent.actor)))


def test_every_injection_is_shown_inert_in_slack_in_timeline_md_and_in_the_report(
    sandbox: Sandbox, attacker: str, driver: Driver, bot_db: sessionmaker[Session]
) -> None:
    play(sandbox, driver, bot_db)

    driver.slash_command(ALICE, CHANNEL, "timeline")
    [timeline_md] = sandbox.wait_for(lambda: _files(sandbox, "timeline"), timeout=15)
    driver.slash_command(MALLORY, CHANNEL, "actions all")
    sandbox.wait_for(lambda: _answered(sandbox, "Action items of"))
    driver.slash_command(ALICE, CHANNEL, "publish")
    [report_md] = sandbox.wait_for(lambda: _files(sandbox, "postmortem-"), timeout=15)
    sandbox.wait_for(lambda: _answered(sandbox, "Published"))

    texts = bot_slack_texts(sandbox)
    assert foreign_markup(texts) == []
    titles = [upload["title"] for upload in sandbox.slack.files]
    assert [t for t in titles if "&lt;" in t] == [], "a file's title is plain text: as typed"
    twice = [text for text in texts if "&amp;lt;" in text or "&amp;gt;" in text]
    assert twice == [], "people's words are escaped once, so they read as typed"
    heading = _answered(sandbox, "Action items of")[0]
    assert "Checkout *bold* &lt;http://evil.example|click&gt; @channel &lt;b&gt;" in heading
    added = _answered(sandbox, "Added to the timeline")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in added and "@channel @U123" in added

    for document in (timeline_md.decode(), report_md.decode()):
        rendered = assert_inert_markdown(document)
        shown = "".join(rendered.text)
        assert SHOWN in shown, "the typed characters are shown as text"
        assert "[x](javascript:alert(1))" in shown and "@channel" in shown
    report_text = "".join(render_commonmark(report_md.decode()).text)
    assert MODAL_TYPED in report_text, "the modal's words, as typed"
    timeline_text = "".join(render_commonmark(timeline_md.decode()).text)
    assert HTML_NAME in timeline_text, "the PagerDuty agent and the display name, as text"
    assert "Checkout *bold* <http://evil.example|click> @channel <b>" in timeline_text
    assert timeline_md.decode().count("\n| ") >= 4, "every row stays one table row"
