"""The Celery application: broker from the environment, late acks, one message at a time per
worker process, Seoul time for the schedule.

CELERY_BROKER_URL (default RabbitMQ on 127.0.0.1:5672, guest/guest; `redis://127.0.0.1:6379/0`
works too), PROACTIVE_QUEUE (default `mydata`), PROACTIVE_DISPATCH_S (how often beat looks for
due consents, default 60), PROACTIVE_RULES_S (how often the MyData rules run, default 3600).
"""
from __future__ import annotations

import os

from celery import Celery

DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)


def queue_name() -> str:
    return os.environ.get("PROACTIVE_QUEUE", "mydata")


app = Celery("bot.tasks", broker=broker_url(), include=["bot.tasks.jobs"])
app.conf.update(
    task_default_queue=queue_name(),
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    timezone="Asia/Seoul",
    enable_utc=True,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 3600},  # Redis only: redelivery of an unacked task
    worker_hijack_root_logger=False,
    beat_schedule={
        "dispatch-due-syncs": {"task": "bot.tasks.jobs.dispatch_due",
                               "schedule": float(os.environ.get("PROACTIVE_DISPATCH_S", "60"))},
        "mydata-rules": {"task": "bot.tasks.jobs.apply_mydata_rules",
                         "schedule": float(os.environ.get("PROACTIVE_RULES_S", "3600"))},
        "deliver-alerts": {"task": "bot.tasks.jobs.deliver_alerts",
                           "schedule": float(os.environ.get("PROACTIVE_DELIVER_S", "3600"))},
    },
)
