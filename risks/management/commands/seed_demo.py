"""``manage.py seed_demo``: the demo district (units, people of every role, about 400 risks).

Safe to run again: nothing is duplicated, and the demo accounts get the given password. The demo
passwords are for local use only.
"""

import os
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from risks import demo
from risks.models import Role, State, UnitKind


class Command(BaseCommand):
    help = "创建演示数据：榆次区的单位、各角色用户和约 400 条风险隐患（可重复运行，不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=f"演示账号的密码（默认取环境变量 DEMO_PASSWORD，否则为 {demo.DEFAULT_PASSWORD}）",
        )
        parser.add_argument(
            "--force", action="store_true", help="在 DEBUG 关闭（生产配置）时也运行。演示账号会获得演示密码。"
        )

    def handle(self, *args, password=None, force=False, **options):
        production = not settings.DEBUG and settings.SECRET_KEY != settings.DEV_SECRET_KEY
        if production and not force:
            # Demo accounts (admin among them) with a known password must never reach production.
            raise CommandError("DEBUG 已关闭（生产配置）：拒绝创建演示数据。确需在此环境运行，请加 --force。")
        password = password or os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("密码不符合要求：" + " ".join(exc.messages)) from None

        started = time.monotonic()
        try:
            summary = demo.seed(password=password)
        except demo.SeedError as exc:
            raise CommandError(str(exc)) from None
        from duties.demo import seed_duty_lists  # a sibling app's demo data

        lists = seed_duty_lists(created_by=get_user_model().objects.get(username="admin"))
        seconds = time.monotonic() - started

        def counts(total, choices):
            parts = "，".join(f"{label} {total[value]}" for value, label in choices if total[value])
            return f"{sum(total.values())}（{parts}）"

        self.stdout.write(f"单位：{counts(summary.units, UnitKind.choices)}")
        self.stdout.write(f"演示账号：{counts(summary.people, Role.choices)}，密码已设置")
        if summary.risks_created:
            self.stdout.write(f"新建风险隐患：{summary.risks_created}")
        else:
            self.stdout.write("已有演示风险隐患，跳过生成。")
        self.stdout.write(f"风险隐患：{counts(summary.states, State.choices)}，其中逾期 {summary.overdue}")
        if lists:
            self.stdout.write(f"责任清单：{lists}")
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {seconds:.1f} 秒。演示密码仅供本地使用。"))
