"""The App Home tab, as a `views.publish` view, drawn from a `bot.core.home_views.Home`.

Two parts: the person's open action items with the weekly digest's own blocks and
buttons (Done, Snooze a week, Change deadline, Create ticket; listing `home`, so the
same handlers serve both and re-publish the Home after a click), and the post-mortems
they lead or took part in, newest first, each with its state and its report page.

Slack takes at most 100 blocks in a Home tab. The budget: a head of 3 blocks, the
items (at most `followup_blocks.MAX_ITEMS`, 3 blocks each: 60) and their "…and N more"
line, 3 blocks between, one section per post-mortem (at most
`bot.services.home.MAX_POSTMORTEMS`: 30) and a line for older ones: 98 at most.
Every text is then fitted through `bot.slack.limits.fit_view`.
"""

from __future__ import annotations

from bot.core.followup import day_label
from bot.core.home_views import LEAD, Home, HomePostmortem
from bot.core.slack_text import channel_link, link, mention, quote
from bot.slack import blocks, followup_blocks, limits
from bot.templates import SlackText, Templates

HOME_VIEW = "app_home"
ITEMS_HEADING = "Your open action items"
POSTMORTEMS_HEADING = "Post-mortems you lead or took part in"


def home_view(templates: Templates, home: Home) -> blocks.Block:
    """The Home tab of `home.user_id`, within Slack's view limits."""
    view = {"type": "home", "callback_id": HOME_VIEW, "blocks": home_blocks(templates, home)}
    return limits.fit_view(view)


def home_blocks(templates: Templates, home: Home) -> list[blocks.Block]:
    return [*_items_part(templates, home), blocks.divider(), *_postmortems_part(templates, home)]


def _items_part(templates: Templates, home: Home) -> list[blocks.Block]:
    out = [blocks.header(ITEMS_HEADING)]
    if home.notice:
        out.append(blocks.context(home.notice))
    if not home.items:
        out.append(blocks.context("Nothing open. :tada:"))
        return out
    out.append(blocks.section(followup_blocks.digest_head(templates, home.items, home.today)))
    rows = home.items
    listing = followup_blocks.HOME
    return [*out, *followup_blocks.items_blocks(templates, rows, home.today, listing, False)]


def _postmortems_part(templates: Templates, home: Home) -> list[blocks.Block]:
    out = [blocks.header(POSTMORTEMS_HEADING)]
    if not home.postmortems:
        out.append(blocks.context("None yet: `/postmortem start` in an incident channel."))
        return out
    out.extend(blocks.section(postmortem_line(templates, pm)) for pm in home.postmortems)
    if home.older_postmortems:
        out.append(blocks.context(f"…and {home.older_postmortems} older post-mortem(s)."))
    return out


def postmortem_line(templates: Templates, postmortem: HomePostmortem) -> str:
    """Title, state, lead, channel, when it was opened, and its report page if shared."""
    report = link(postmortem.report_url, "Report page") if postmortem.report_url else None
    lead = "you lead it" if postmortem.role == LEAD else f"lead {mention(postmortem.lead_user_id)}"
    return templates.render(
        "slack/home/postmortem.mrkdwn.j2",
        title=SlackText(quote(postmortem.title)),
        state=postmortem.state,
        lead=SlackText(lead),
        channel=SlackText(channel_link(postmortem.channel_id)),
        opened=day_label(postmortem.created_at.date()),
        report=SlackText(report) if report else None,
    ).strip()
