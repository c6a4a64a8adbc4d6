"""Use cases that talk to Slack or PagerDuty, one module each.

A flow makes the Web API or REST calls and puts short transactions around them;
the work on the database is done by `bot.services`, and the messages are built by
`bot.slack`. Listeners and jobs parse a request or a tick and call a flow (or,
when no outside call is needed, a service directly).
"""
