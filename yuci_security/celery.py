"""The stock Celery recipe: configuration from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuci_security.settings")

app = Celery("yuci_security")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
