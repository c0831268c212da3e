"""Prometheus metrics. One module so names stay consistent; each layer records its own.

Processes started by `bmad serve` / `bmad worker` run in prometheus_client's multiprocess
mode (see `multiproc.py`), so every gauge says how values of several processes combine.
Label values are bounded (workflow, agent, tenant, channel ids): no free text.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("bmad_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("bmad_http_request_seconds", "HTTP request latency", ["method", "route"])
READY_CHECKS = Gauge(
    "bmad_ready_check_up",
    "1 when a readiness check passes",
    ["check"],
    multiprocess_mode="livemostrecent",
)

# Billing, quotas and email (integrations/billing, integrations/email).
QUOTA_DECISIONS = Counter("bmad_quota_decisions_total", "Run-start quota checks", ["result"])
USAGE_RECORDED = Counter("bmad_usage_recorded_total", "Usage recorded in the ledger", ["metric"])
STRIPE_WEBHOOKS = Counter(
    "bmad_stripe_webhook_events_total", "Stripe webhook events", ["event_type", "outcome"]
)
METER_EVENTS = Counter("bmad_stripe_meter_events_total", "Stripe meter events", ["outcome"])
EMAILS_SENT = Counter("bmad_emails_total", "Email delivery attempts", ["template", "outcome"])

# Conversation turns (conversations/pipeline.py).
TURNS = Counter("bmad_turns_total", "Conversation turns", ["intent", "kind", "channel"])
TURN_LATENCY = Histogram("bmad_turn_seconds", "Turn latency, message in to reply out", ["channel"])
NLU_CONFIDENCE = Histogram(
    "bmad_turn_nlu_confidence",
    "Confidence of the intent that decided a turn",
    ["source"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0),
)

# Slack front end (bot/slack, integrations/slack).
SLACK_ACK_SECONDS = Histogram(
    "bmad_slack_ack_seconds",
    "Slack request received to Bolt response (the ack path)",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0),
)
SLACK_REQUESTS = Counter("bmad_slack_requests_total", "Slack HTTP requests", ["kind", "status"])
SLACK_TURNS = Counter("bmad_slack_turns_total", "Slack turns after the ack", ["outcome"])
SLACK_JOBS_PUBLISHED = Counter(
    "bmad_slack_jobs_published_total",
    "Slack jobs handed to the broker before the ack (ok) or refused with 503 (failed)",
    ["result"],
)
SLACK_PUBLISH_BATCHES = Counter(
    "bmad_slack_publish_batches_total",
    "Broker messages the Slack publishers sent, each a batch of jobs (jobs per message = "
    "bmad_slack_jobs_published_total / this)",
    ["result"],
)
SLACK_PACING_WAIT = Histogram(
    "bmad_slack_pacing_wait_seconds",
    "Time an outbound Slack call waited in its channel lane (pace, Retry-After) before sending",
)
SLACK_QUEUE_DEPTH = Gauge(
    "bmad_slack_queue_depth",
    "Outbound Slack calls waiting in their channel's lane (read from Redis), per channel",
    ["channel"],
    multiprocess_mode="livemax",  # every process reads the same shared lane length
)
SLACK_POSTS = Counter("bmad_slack_posts_total", "Slack Web API posts by outcome", ["outcome"])

# Webhooks and REST API (bot/webhooks, bot/api, integrations/webhooks_out).
WEBHOOK_INBOUND = Counter(
    "bmad_webhook_inbound_total",
    "Inbound webhook requests by source and outcome",
    ["source", "outcome"],
)
WEBHOOK_DELIVERY_ATTEMPTS = Counter(
    "bmad_webhook_delivery_attempts_total", "Outbound webhook attempts by result", ["result"]
)

# Agents and workflows (agents/).
WORKFLOW_RUNS_STARTED = Counter("bmad_workflow_runs_started_total", "Runs started", ["workflow"])
WORKFLOW_RUNS_FINISHED = Counter(
    "bmad_workflow_runs_finished_total", "Runs finished", ["workflow", "status"]
)
WORKFLOW_STEP_SECONDS = Histogram(
    "bmad_workflow_step_seconds",
    "Step attempt duration by kind and agent",
    ["kind", "agent", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)
APPROVAL_WAIT_SECONDS = Histogram(
    "bmad_approval_wait_seconds",
    "Approval requested to decided",
    ["workflow", "decision"],
    buckets=(10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600),
)
AGENT_STEPS = Counter(
    "bmad_agent_steps_total",
    "Agent step results by mode (llm, offline, fallback = LLM failed, offline answer)",
    ["agent", "mode"],
)
WORKFLOW_STEPS_REQUEUED = Counter(
    "bmad_workflow_steps_requeued_total", "Steps re-queued by the sweeper (worker lost)"
)
AGENT_TOKENS = Counter(
    "bmad_agent_tokens_total", "LLM tokens used by agent steps", ["tenant", "agent"]
)
AGENT_COST = Counter(
    "bmad_agent_cost_usd_total", "LLM cost of agent steps (USD)", ["tenant", "agent"]
)
WORKFLOW_STEPS_BY_STATUS = Gauge(
    "bmad_workflow_steps",
    "Open steps by status (queue depth), set by the sweeper",
    ["status"],
    multiprocess_mode="mostrecent",
)
WORKFLOW_QUEUE_AGE = Gauge(
    "bmad_workflow_queue_age_seconds",
    "Age of the oldest queued step (0 = none waiting), set by the sweeper",
    multiprocess_mode="mostrecent",
)
OUTBOX_LAG_SECONDS = Gauge(
    "bmad_outbox_lag_seconds",
    "Age of the oldest undelivered outbox event by type (0 = nothing waiting)",
    ["event_type"],
    multiprocess_mode="mostrecent",
)
OUTBOX_PENDING = Gauge(
    "bmad_outbox_pending",
    "Undelivered outbox events by type",
    ["event_type"],
    multiprocess_mode="mostrecent",
)
CELERY_TASKS = Counter("bmad_celery_tasks_total", "Celery tasks run by state", ["task", "state"])
CELERY_TASK_SECONDS = Histogram("bmad_celery_task_seconds", "Celery task run time", ["task"])

# Intent layer (conversations/nlu).
NLU_DECISIONS = Counter(
    "bmad_nlu_decisions_total", "Intent decisions by deciding stage", ["source", "intent"]
)
NLU_LLM_CALLS = Counter("bmad_nlu_llm_calls_total", "LLM intent-router calls", ["outcome"])
NLU_LLM_TOKENS = Counter("bmad_nlu_llm_tokens_total", "LLM tokens used by the intent router")
NLU_LOCAL_SECONDS = Histogram(
    "bmad_nlu_local_seconds",
    "Embedded intent classifier latency per message",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1),
)
RATE_LIMITED = Counter(
    "bmad_rate_limited_total", "Turns refused by a rate limit (user or tenant)", ["scope"]
)

# Scheduled jobs (agents/workflows/schedule.py), whichever runner ran them.
SCHEDULED_JOB_RUNS = Counter(
    "bmad_scheduled_job_runs_total", "Scheduled job runs by outcome", ["job", "outcome"]
)
SCHEDULED_JOB_SECONDS = Histogram("bmad_scheduled_job_seconds", "Scheduled job duration", ["job"])
