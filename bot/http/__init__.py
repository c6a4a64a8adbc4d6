"""The HTTP edge: what every POST goes through before any code reads what it says.

For each route, in this order, and nothing is parsed or logged before the checks that
come ahead of it:

1. `limits.read_body`: a declared Content-Length above the route's limit is refused
   (413) without reading a byte; otherwise the stream is read only up to the limit.
2. The sender's signature on the raw bytes (`slack_signature`, or PagerDuty's in
   `bot.pagerduty.webhook`): 401.
3. Parsing the verified bytes (`slack_bodies`, `json_bodies`), and for Slack the types
   (`slack_shapes`) and fields (`slack_needs`) Bolt and the listeners rely on: 400.
4. Bolt gets the parsed dict (`slack_requests.VerifiedRequest`), never the text.

A refusal is one short log line (`refusal.Refused.respond`) naming the reason and the
size, never the body, and the connection is closed so an oversized upload is not read.
"""
