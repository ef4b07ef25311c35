"""``manage.py unlock_account USERNAME [--ip ADDRESS] --by ADMIN``: lift a login lockout.

The same service the people-management page calls (accounts.services.account_unlock): only a
system admin or security admin may do it, and it is audited under their name.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.services import account_unlock


class Command(BaseCommand):
    help = "解除登录锁定（按用户名和/或 IP 地址）。须以系统管理员或安全管理员的名义执行，并记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="被锁定的用户名")
        parser.add_argument("--ip", default="", help="被锁定的 IP 地址")
        parser.add_argument("--by", required=True, help="执行解锁的系统管理员或安全管理员的用户名")

    def handle(self, *args, username="", ip="", by="", **options):
        if not username and not ip:
            raise CommandError("请给出用户名或 --ip。")
        try:
            actor = get_user_model().objects.get(username=by, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有找到用户“{by}”。") from None
        try:
            removed = account_unlock(by=actor, username=username, ip=ip)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"已解除锁定（清除 {removed} 条失败记录）。"))
