"""The report's post in Slack: a Block Kit summary with a link to the full report.

Severity, duration, impact, root cause, action items with their owners and the
checklist score. People's words reach Slack as plain text (mentions turned into
names, so a quoted `<!channel>` pings nobody) through `slack/report/*.mrkdwn.j2`,
which escape them; only the owners' mentions and the link are built by the bot.
"""

from __future__ import annotations

from typing import Any

from bot.core.factor_labels import IMMEDIATE_CHAIN, factor_label
from bot.core.milestones import in_words
from bot.core.report import Answered, Chain, Report
from bot.core.report_evidence import Evidence
from bot.core.report_text import as_typed
from bot.core.report_words import ANSWER_STATES, Names, span_words, when, window_words
from bot.core.slack_text import escape, link, mention, quote
from bot.slack import blocks, controls, limits
from bot.templates import SlackText, Templates

Message = tuple[str, list[blocks.Block]]
PUBLISH = "report_publish"
ACK_DELETED = "report_gap_ack_deleted"
# Marks the report's own post among the bot's messages (the opening one has a header too).
HEADER_BLOCK = "report-header"
MAX_ITEMS = 10
MAX_CHAINS = 8
SHORT = 200
# Characters of the root-cause section the chains share; a chain's levels split its part.
CHAINS_BUDGET = 2_200
LEVEL_MIN = 40
# The timeline lines a factor cites, compactly: "(evidence: 22:31 deploy)".
EVIDENCE = 60
LEVEL_JOIN = " → "
SKIPPED = "_skipped_"
LONG = 600
# Slack refuses a section whose text is longer than this.
SECTION_LIMIT = 3000


def summary(
    report: Report,
    names: Names,
    templates: Templates,
    *,
    postmortem_id: int,
    url: str | None,
    preview: bool = False,
) -> Message:
    """The channel post (or, with `preview`, what it would say, with a Publish button)."""
    header = report.header
    title = f"Post-mortem: {as_typed(header.dated_title)}"
    parts = [
        {**blocks.header(f"Preview · {title}" if preview else title), "block_id": HEADER_BLOCK},
        _section(_render(templates, "overview", **_overview(report, names))),
        blocks.context(f"*Milestones* {escape(in_words(report.timeline.milestones))}"),
        _section(_render(templates, "root_cause", **_root_cause(report, names))),
        _section(_render(templates, "action_items", **_items(report, names))),
        _section(_checklist(report, templates, every=preview)),
        blocks.context(_footer(report, templates, url=url, preview=preview)),
    ]
    if preview:
        button = controls.button("Publish", PUBLISH, str(postmortem_id), style="primary")
        buttons = [button, *_gap_button(report, postmortem_id)]
        parts.append(controls.actions(f"report-{postmortem_id}", *buttons))
    fallback = (
        f"Post-mortem report: {quote(header.dated_title)} · checklist {report.checklist.score}"
    )
    return limits.within(fallback, parts)  # the whole report is in its file


def _gap_button(report: Report, postmortem_id: int) -> list[controls.Element]:
    """Deleted messages nobody explained: say they were removed on purpose (as
    `/postmortem gap ack deleted` does), so "Timeline complete" need not fail on them."""
    if not report.unexplained_deletions:
        return []
    count = report.unexplained_deletions
    words = f"{count} deleted message{'' if count == 1 else 's'}: removed on purpose"
    return [controls.button(words, ACK_DELETED, str(postmortem_id))]


def _section(text: str) -> blocks.Block:
    """A section, cut at a line end if need be (a cut never splits a mention)."""
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 2].rsplit("\n", 1)[0] + "\n…"
    return blocks.section(text)


def _render(templates: Templates, name: str, **values: Any) -> str:
    return templates.render(f"slack/report/{name}.mrkdwn.j2", **values).strip()


def _overview(report: Report, names: Names) -> dict[str, Any]:
    window = report.header.window
    return {
        "severity": report.header.severity,
        "duration": f"{window_words(window)} ({span_words(window.duration)})",
        "score": report.checklist.score,
        "summary": _short(names, report.summary.text, LONG),
        "impact": _short(names, report.impact.text, LONG),
        "impact_state": _state(report.impact),
    }


def _root_cause(report: Report, names: Names) -> dict[str, Any]:
    immediate = report.root_cause.immediate
    shown = report.root_cause.chains[:MAX_CHAINS]
    # The whole section stays within Slack's limit: each chain gets its share of it.
    per_chain = CHAINS_BUDGET // max(1, len(shown))
    chains = []
    for chain in shown:
        cited = _evidence(chain.evidence)
        chains.append(
            {
                "label": chain.label,
                "layer": chain.layer,
                "kind": chain.kind,
                "levels": _levels(names, chain, per_chain - len(cited or "")),
                "evidence": cited,
            }
        )
    return {
        "immediate_label": factor_label(IMMEDIATE_CHAIN),
        "immediate": _short(names, immediate.text, SHORT),
        "immediate_evidence": _evidence(report.root_cause.immediate_evidence),
        "immediate_state": _state(immediate),
        "chains": chains,
        "more": len(report.root_cause.chains) - len(chains),
    }


def _evidence(cited: tuple[Evidence, ...]) -> str | None:
    """The cited lines' minutes and words, one short line (the report file links them)."""
    if not cited:
        return None
    words = "; ".join(each.compact for each in cited)
    return limits.shorten(words, EVIDENCE)


def _levels(names: Names, chain: Chain, budget: int) -> list[str]:
    """Each level of the chain, shortened alike so all of them fit in `budget`."""
    levels = chain.levels or ()
    each = max(LEVEL_MIN, budget // max(1, len(levels)) - len(LEVEL_JOIN))
    shortened = [_short(names, level.text, each) or SKIPPED for level in levels]
    return shortened or [_short(names, chain.text, each) or ""]


def _items(report: Report, names: Names) -> dict[str, Any]:
    shown = report.items[:MAX_ITEMS]
    return {
        "items": [
            {
                "code": item.code,
                "action": _short(names, item.action, SHORT),
                "owner": SlackText(mention(item.owner_id)) if item.owner_id else None,
                "deadline": item.deadline.isoformat() if item.deadline else None,
                "priority": item.priority,
                "status": item.status,
            }
            for item in shown
        ],
        "more": len(report.items) - len(shown),
    }


def _checklist(report: Report, templates: Templates, *, every: bool) -> str:
    """Every item in a preview; in the channel only the ones that do not hold yet."""
    checks = report.checklist.checks if every else report.checklist.failed
    return _render(templates, "checklist", score=report.checklist.score, checks=checks)


def _footer(report: Report, templates: Templates, *, url: str | None, preview: bool) -> str:
    header = report.header
    return _render(
        templates,
        "footer",
        preview=preview,
        link=SlackText(link(url, "Read the full report")) if url else None,
        published_by=SlackText(mention(header.published_by)) if header.published_by else "someone",
        published_at=when(header.published_at),
        updated=when(header.updated_at) if header.updated_at else None,
    )


def _short(names: Names, text: str | None, limit: int) -> str | None:
    if not text:
        return None
    flat = " ".join(names.plain(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _state(answered: Answered) -> str:
    return ANSWER_STATES.get(answered.state, "")
