"""Hand step attempts to whatever runs them: Celery workers, or in-process threads.

Why threads in embedded mode (`BMAD_QUEUE=eager`): there is no broker, but a caller (a
console turn, an HTTP request) must not wait for a workflow. The thread calls the same
`execute_step` the Celery task calls, so both modes share one code path.

Neither is imported here (the executor dispatches each finished step's successors through
this module): Celery's task is sent by name, and the embedded runtime installs the step
runner with `use_local_runner` (`agents.workflows.embedded_beat.start_embedded_beat`, which
`WorkflowService` calls in embedded mode).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from agents.queue import ensure_configured
from agents.workflows.engine import Dispatch
from agents.workflows.states import LEASE_GRACE_SECONDS
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

RUN_STEP_TASK = "bmad.run_step"  # agents.tasks.run_step
# (settings, tenant id, step id, attempt): `agents.workflows.executor.execute_step`.
StepRunner = Callable[[Settings, str, int, int], object]

_local_runner: StepRunner | None = None
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def use_local_runner(runner: StepRunner) -> None:
    """Embedded mode: what runs a step attempt on this process's thread pool."""
    global _local_runner
    _local_runner = runner


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="bmad-step")
        return _pool


def dispatch(settings: Settings, plan: list[Dispatch]) -> None:
    for item in plan:
        if settings.queue == "celery":
            try:
                _send_celery(settings, item)
            except Exception:  # broker down: the step stays queued; the sweeper re-sends it
                log.exception("dispatch_failed", run_id=item.run_id, step_id=item.step_id)
        elif item.delay > 0:
            timer = threading.Timer(item.delay, _submit, args=(settings, item))
            timer.daemon = True
            timer.start()
        else:
            _submit(settings, item)


def _send_celery(settings: Settings, item: Dispatch) -> None:
    # By name: the task's module (`agents.tasks`) runs steps with the executor, which
    # dispatches through this module.
    ensure_configured(settings).send_task(
        RUN_STEP_TASK,
        args=[item.tenant_id, item.step_id, item.attempt],
        countdown=item.delay or None,
        queue=settings.celery_queue,
        soft_time_limit=item.timeout + 5,
        time_limit=item.timeout + LEASE_GRACE_SECONDS,
    )


def _submit(settings: Settings, item: Dispatch) -> None:
    try:
        _executor().submit(_run_in_thread, settings, item)
    except RuntimeError:  # the process is exiting; the step stays queued for the sweeper
        log.warning("eager_dispatch_after_shutdown", run_id=item.run_id, step_id=item.step_id)


def _run_in_thread(settings: Settings, item: Dispatch) -> None:
    runner = _local_runner
    if runner is None:  # no embedded runtime in this process: the sweeper's re-send finds one
        log.error("no_local_step_runner", run_id=item.run_id, step_id=item.step_id)
        return
    try:
        runner(settings, item.tenant_id, item.step_id, item.attempt)
    except Exception:  # the sweeper re-queues the step; the thread must not die silently
        log.exception("eager_step_crashed", run_id=item.run_id, step_id=item.step_id)
