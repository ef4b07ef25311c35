"""``manage.py deliver_notifications``: build the digests and send what is due."""

from django.core.management.base import BaseCommand

from notifications import delivery


class Command(BaseCommand):
    help = "Build e-mail and robot digests and send every delivery that is due."

    def handle(self, *args, **options):
        counts = delivery.deliver_all()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
