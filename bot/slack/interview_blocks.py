"""The interview's messages in the thread, as (fallback text, blocks).

Everything a person typed reaches Slack through a `*.mrkdwn.j2` template,
which escapes it; only mentions and dates the bot builds are `SlackText`. Answers
are stored as Slack sent them (`&lt;`, `<@U…>`, `<!channel>`), so a quote of one is
first made plain words (`to_plain`), or it would be escaped twice and read `&lt;`.
Buttons carry "<post-mortem id>:<chain>" so a click names what it is about.
"""

from __future__ import annotations

from typing import Any

from bot.core import followup
from bot.core.interview import KINDS, LAYERS
from bot.core.interview_views import (
    CitationNotice,
    FactorNotice,
    FindingNotice,
    ItemNotice,
    QuestionView,
)
from bot.core.report_text import as_typed, line_to_plain
from bot.core.slack_text import escape, mention
from bot.core.timeline import TimelineEntry
from bot.slack import blocks, controls, factor_choice_blocks, limits
from bot.slack.report_blocks import PUBLISH
from bot.templates import SlackText, Templates

Message = tuple[str, list[blocks.Block]]

SYSTEMIC = "interview_systemic"
DEEPER = "interview_deeper"
FACTOR_KIND = "factor_kind"
FACTOR_LAYER = "factor_layer"
ADD_ITEM = "action_item_add"
ITEM_TICKET = "interview_item_ticket"  # Create ticket under an item's notice in the thread
# How much of an over-long action item its notice quotes; the rest follows whole.
ITEM_QUOTE = 1_500
# How much of a timeline line a citation's answer quotes.
ENTRY_WORDS = 200
LAYER_LABELS = {
    "immediate": "the immediate cause",
    "contributing": "a contributing factor",
    "systemic": "a systemic issue",
}


def question(view: QuestionView, postmortem_id: int, templates: Templates) -> Message:
    state = view.state
    values = {
        "stage": state.stage,
        "chain": state.chain,
        "depth": state.depth,
        "about": _short(view.about),
        "current": _short(view.current),
        "chains": view.chains,
        "can_close": view.can_close,
        "sounds_systemic": view.sounds_systemic,
        "about_held": view.about_held,
        "external": view.external,
    }
    body = templates.render("slack/interview/question.mrkdwn.j2", **values)
    hint = templates.render("slack/interview/hint.mrkdwn.j2", stage=state.stage).strip()
    parts = [blocks.section(body), blocks.context(hint)]
    buttons = _question_buttons(view, postmortem_id)
    if buttons:
        parts.append(controls.actions(f"interview-{view.version}", *buttons))
    return body, parts


def finding(notice: FindingNotice, templates: Templates) -> Message:
    name = "vague" if notice.kind == "vague-action" else "blame"  # counterfactual: blame wording
    author = SlackText(mention(notice.author_id)) if notice.author_id else None
    values = {"author": author, "phrase": as_typed(notice.phrase), "why": notice.why}
    text = templates.render(
        f"slack/interview/{name}.mrkdwn.j2", suggestion=notice.suggestion, **values
    )
    return text, [blocks.section(text)]


def factor(notice: FactorNotice, templates: Templates) -> Message:
    text = templates.render(
        "slack/interview/factor.mrkdwn.j2",
        chain=notice.chain,
        layer_label=LAYER_LABELS.get(notice.layer, notice.layer),
        kind=notice.kind,
        kind_chosen=notice.kind_chosen,
        text=_short(notice.text, 280),
    )
    value = f"{notice.postmortem_id}:{notice.chain}"
    kinds = [controls.option(kind, f"{value}:{kind}") for kind in KINDS]
    layers = [controls.option(LAYER_LABELS[layer], f"{value}:{layer}") for layer in LAYERS]
    selects = controls.actions(
        f"factor-{value}",
        controls.static_select(
            FACTOR_KIND, "Change the kind", kinds, initial=_initial(kinds, notice.kind)
        ),
        controls.static_select(
            FACTOR_LAYER, "Change the layer", layers, initial=_initial(layers, notice.layer)
        ),
    )
    return text, [blocks.section(text), selects]


def item(notice: ItemNotice, templates: Templates) -> Message:
    """The item as recorded. An action too long for one section is quoted shortened in
    the notice (so owner, deadline and what is missing stay in view) and follows whole,
    in sections of the same message."""
    action = as_typed(notice.action)
    text = _item_text(notice, action, templates)
    asked = factor_choice_blocks.ask(notice)
    if len(text) <= limits.SECTION_TEXT:
        return text, [blocks.section(text), *asked, *_ticket_button(notice)]
    short = _item_text(notice, limits.shorten(action, ITEM_QUOTE), templates)
    full = [blocks.context(f"The action of {notice.code} in full:"), *_quoted(action)]
    return short, [blocks.section(short), *full, *asked, *_ticket_button(notice)]


def _ticket_button(notice: ItemNotice) -> list[blocks.Block]:
    """Create ticket, for an item already stored (its id is what the click sends back)."""
    if notice.item_id is None:
        return []
    button = controls.button("Create ticket", ITEM_TICKET, str(notice.item_id))
    return [controls.actions(f"ai-ticket-{notice.item_id}", button)]


def _item_text(notice: ItemNotice, action: str, templates: Templates) -> str:
    factor_label = factor_choice_blocks.linked_words(notice)
    return templates.render(
        "slack/interview/item.mrkdwn.j2",
        code=notice.code,
        created=notice.created,
        vague_kept=notice.vague_kept,
        action=action,
        owner=SlackText(mention(notice.owner_id)) if notice.owner_id else None,
        deadline=notice.deadline.isoformat() if notice.deadline else None,
        priority=notice.priority,
        factor=factor_label,
        unknown_owner=notice.unknown_owner,
        missing=list(notice.missing),
    )


def _quoted(plain_words: str) -> list[blocks.Block]:
    """Words a person typed, escaped for mrkdwn, in as many sections as they take."""
    return limits.sections(escape(plain_words))


def resolved(author_id: str) -> str:
    """An edit took away the wording the bot pushed back on."""
    who = f"Thanks {mention(author_id)}: " if author_id else "Thanks: "
    return who + "the edited answer reads without blame now, and I have filed it as edited."


def not_announced(notice: ItemNotice, reason: str) -> str:
    """Told privately to the item's author when Slack refused its notice in the thread."""
    return (
        f"{notice.code} is saved, but Slack refused its notice in the thread (`{reason}`), "
        "so nobody else has seen it yet. `/postmortem interview` posts it again."
    )


def cited(notice: CitationNotice) -> str:
    """Said in the thread once a cited line is attached to its factor."""
    assert notice.chosen is not None
    who = f"{mention(notice.user_id)} attached" if notice.user_id else "Attached"
    return (
        f"{who} this timeline line to *{escape(notice.label)}* as evidence; "
        f"the report links it ({escape(notice.zone)} time):\n"
        f"{_entry_line(notice.chosen, notice.zone)}"
    )


def citation_candidates(notice: CitationNotice) -> str:
    """Told privately when the cited time and words do not name exactly one line."""
    head = f"I could not tell which timeline line `{escape(notice.cited)}` means"
    if not notice.candidates:
        return f"{head}: the timeline has no lines yet. Nothing was attached."
    lines = "\n".join(_entry_line(entry, notice.zone) for entry in notice.candidates)
    return (
        f"{head} ({escape(notice.zone)} time), so nothing was attached to "
        f"{escape(notice.label)}. It may be one of these; reply again with its time and a "
        f"word only it has:\n{lines}"
    )


def _entry_line(entry: TimelineEntry, zone: str) -> str:
    """A timeline line at its time in `zone`, its words plain and escaped, kept short."""
    local = entry.occurred_at.astimezone(followup.zone(zone))
    words = " ".join(line_to_plain(entry.source, entry.text, lambda user: user).split())
    return f"• {local:%Y-%m-%d %H:%M} {escape(limits.shorten(words, ENTRY_WORDS))}"


def filed_under(slot: str, templates: Templates) -> str:
    return templates.render("slack/interview/filed_under.mrkdwn.j2", slot=SlackText(slot))


def _question_buttons(view: QuestionView, postmortem_id: int) -> list[controls.Element]:
    state = view.state
    if state.stage == "done":
        return [controls.button("Publish the report", PUBLISH, str(postmortem_id), style="primary")]
    if state.stage == "actions":
        return [controls.button("Add action item", ADD_ITEM, str(postmortem_id), style="primary")]
    if state.stage != "why":
        return []
    if state.asks_for_branch:
        previous = f"{postmortem_id}:{state.chain - 1}"
        return [controls.button(f"Go deeper on F{state.chain - 1}", DEEPER, previous)]
    value = f"{postmortem_id}:{state.chain}"
    buttons = []
    if view.can_close:
        buttons.append(controls.button("Go deeper", DEEPER, value))
    if state.answered_levels >= 1:
        buttons.append(controls.button("This is systemic", SYSTEMIC, value))
    return buttons


def _initial(options: list[dict[str, Any]], value: str) -> dict[str, Any] | None:
    return next((o for o in options if o["value"].rsplit(":", 1)[-1] == value), None)


def _short(text: str | None, limit: int = 200) -> str | None:
    if text is None:
        return None
    flat = " ".join(as_typed(text).split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"
