"""Prometheus Alertmanager: its webhook notifications (v4), read into typed alerts (pure)."""
