"""Scheduled MyData sync on Celery: a beat process that dispatches due consents and workers that
sync one customer's institution per task, then run the detectors (see bot/tasks/README.md)."""
