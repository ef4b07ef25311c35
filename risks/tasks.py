"""Celery tasks: thin. Each loads ids and calls a plain function; retries come from acks_late."""

from celery import shared_task

from .ledger_io import jobs


@shared_task(acks_late=True)
def check_import_job(job_id: int) -> None:
    jobs.job_check(job_id)


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    jobs.job_import(job_id)
