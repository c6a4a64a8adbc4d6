"""Prometheus: the incident's metrics and its ALERTS history over the HTTP API (v1).

`client` asks (`query_range`, the retention in `status/runtimeinfo`), `answers` reads
what came back into `bot.core.metrics` values, `queries` loads PROMETHEUS_QUERIES (the
charts to draw) and narrows them to a post-mortem's service, `alerts` turns the ALERTS
series into firing and resolved timeline lines. Errors: `bot.prometheus.errors`.
"""
