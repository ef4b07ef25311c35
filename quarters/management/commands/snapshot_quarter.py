from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from quarters.figures import parse_quarter, snapshot_quarter


class Command(BaseCommand):
    help = "Freeze a quarter's figures (YEAR Q), once; a second run changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("quarter", type=int)

    def handle(self, *args, year, quarter, **options):
        try:
            which = parse_quarter(year, quarter, ended=True)
            snapshot, created = snapshot_quarter(which)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        verb = "已冻结" if created else "此前已冻结"
        self.stdout.write(
            f"{which.label} {verb}：{snapshot.risks.count()} 条风险，{snapshot.figures.count()} 个统计单元。"
        )
