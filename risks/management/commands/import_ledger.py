"""Import a ledger file (.xlsx or .csv) from the command line, as a named person.

    python manage.py import_ledger 台账.xlsx --as xiuwen_official --dry-run
    python manage.py import_ledger 台账.xlsx --as xiuwen_official [--valid-only]

The same checks as the web import: every row's problems are listed, and nothing is saved unless
the whole file is valid (or --valid-only is given). Risks are created through the workflow
services as the person named by --as, within the units that person may write to.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from risks.ledger_io.importer import check_sheet, import_rows
from risks.ledger_io.reader import read_ledger


class Command(BaseCommand):
    help = "导入风险隐患台账（.xlsx 或 .csv）；--dry-run 只检查不保存。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件路径")
        parser.add_argument("--as", dest="username", required=True, help="以此账号的身份和权限导入")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出问题，不保存")
        parser.add_argument("--valid-only", action="store_true", help="只导入无误的行")

    def handle(self, *args, file, username, dry_run, valid_only, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有在岗账号“{username}”。")
        try:
            with path.open("rb") as handle:
                sheet = read_ledger(handle, path.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        result = check_sheet(sheet, user)
        for p in result.problems:
            expected = f"（应为：{p.expected}）" if p.expected else ""
            self.stdout.write(f"第 {p.row} 行 [{p.column}] {p.message}{expected}")
        self.stdout.write(
            f"共 {len(result.rows)} 行：无误 {len(result.valid)} 行，有问题 {len(result.rejected)} 行。"
        )
        if dry_run:
            self.stdout.write("试运行（--dry-run），未保存任何数据。")
            return
        try:
            created = import_rows(result=result, by=user, valid_only=valid_only, file_name=path.name)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"已导入 {len(created)} 条风险隐患。"))
