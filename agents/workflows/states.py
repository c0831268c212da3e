"""Run and step states, in one place so the engine, sweeper and views agree."""

from __future__ import annotations

# Runs: pending -> running -> waiting_approval -> succeeded | failed | cancelled
RUN_ACTIVE = ("pending", "running", "waiting_approval")
RUN_TERMINAL = ("succeeded", "failed", "cancelled")

# Steps
STEP_ACTIVE = ("queued", "running")
STEP_OPEN = ("pending", "queued", "running", "waiting_approval")
STEP_FAILED = ("failed", "rejected", "expired")
STEP_DONE = ("succeeded", "skipped")
STEP_TERMINAL = (*STEP_DONE, *STEP_FAILED, "cancelled")

# Seconds a running step may exceed its timeout before the sweeper presumes its worker dead
# (capped at the step's own timeout, so short steps recover quickly).
LEASE_GRACE_SECONDS = 30.0
