"""The report (and its share page) as documents outside Slack: Markdown and HTML.

Nothing here talks to Slack: people arrive as display names already looked up
(`bot.core.report_words.Names`), and the share page reads the report through
`bot.services.report`.
"""
