"""Scheduled jobs: `build_scheduler`, one module per job, and `run_job` around each run."""
