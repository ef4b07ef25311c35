# The reminder rules with DESIGN.md's defaults, so admins find them ready to edit.

from django.db import migrations

DEFAULTS = {
    "deadline_near": ("7,1", ""),
    "overdue_yellow": ("1", ""),
    "overdue_orange": ("15", "7"),
    "overdue_red": ("30", "15"),
    "no_progress": ("30", ""),
    "pending_sign_for": ("3", ""),
    "pending_approval": ("3", ""),
    "quarter_unit": ("10,3", ""),
    "quarter_leaders": ("1", ""),
    "annual_study": ("0", ""),
}


def create(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    for code, (days, days_major) in DEFAULTS.items():
        ReminderRule.objects.get_or_create(code=code, defaults={"days": days, "days_major": days_major})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
