from agents.queue import configure_celery
from integrations.settings import Settings
from integrations.webhooks_out.tasks import TASK_NAME


def test_beat_drains_the_webhook_outbox() -> None:
    app = configure_celery(Settings(_env_file=None))
    assert TASK_NAME in app.tasks
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == TASK_NAME]
    assert len(entries) == 1 and entries[0]["schedule"] > 0
