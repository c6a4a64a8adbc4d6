"""GitHub Issues: the REST client (a `bot.trackers.base.Tracker`) and the issues webhook."""
