"""An import as a job the page can follow: upload → check (preview) → confirm → import.

Each step claims the job's row with a conditional UPDATE (status from → to), so a step that runs
twice — a double click, a Celery task redelivered after its worker died — does its work once.
Small files are checked and imported within the request; large ones by Celery (risks.tasks).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportJob, ImportStatus
from ..permissions import NotAllowed, can_create_risk
from .importer import CheckResult, ImportRefused, check_sheet, import_rows
from .reader import LedgerFileError, max_bytes, read_ledger
from .template import rejected_workbook

log = logging.getLogger(__name__)


def runs_in_background(job: ImportJob) -> bool:
    return job.file.size > getattr(settings, "LEDGER_IMPORT_SYNC_MAX_BYTES", 256 * 1024)


def job_start(*, by, upload) -> ImportJob:
    """Store the upload as a new job (status 检查中). Refuses at once what is plainly too big."""
    if not can_create_risk(by):
        raise NotAllowed(_("您的角色不能导入台账。"))
    if upload.size > max_bytes():
        raise LedgerFileError(
            _("文件超过大小上限 %(mb)d MB。请拆分成几个文件分别导入。") % {"mb": max_bytes() // (1024 * 1024)}
        )
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][-150:]
    return ImportJob.objects.create(file=upload, original_name=name, created_by=by)


def _read(job: ImportJob):
    with job.file.open("rb") as handle:
        return read_ledger(handle, job.original_name)


def _check(job: ImportJob, *, progress=True) -> CheckResult:
    sheet = _read(job)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(sheet.rows))

    def report(done):
        ImportJob.objects.filter(pk=job.pk).update(checked_rows=done)

    return check_sheet(sheet, job.created_by, progress=report if progress else None)


def job_check(job_id: int) -> ImportJob | None:
    """Check every row and keep the problems for the preview (status 检查中 → 待确认 / 未导入)."""
    job = ImportJob.objects.select_related("created_by__profile__unit").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.CHECKING:
        return job
    try:
        result = _check(job)
    except LedgerFileError as error:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
            status=ImportStatus.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
        )
    else:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
            status=ImportStatus.CHECKED,
            total_rows=len(result.rows),
            checked_rows=len(result.rows),
            valid_rows=len(result.valid),
            problems=[p.as_dict() for p in result.problems],
        )
    job.refresh_from_db()
    return job


def job_confirm(*, job: ImportJob, by, valid_only: bool) -> bool:
    """The person's go-ahead (status 待确认 → 导入中). False when it was given already."""
    if by.pk != job.created_by_id:
        raise NotAllowed(_("只有上传人可以确认导入。"))
    if job.status == ImportStatus.CHECKED and job.problems and not valid_only:
        raise ImportRefused(_("文件中有问题，不能全部导入。请修改后重新上传，或选择“只导入无误的行”。"))
    if valid_only and job.status == ImportStatus.CHECKED and not job.valid_rows:
        raise ImportRefused(_("没有无误的行可以导入。"))
    return bool(
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.IMPORTING, valid_only=valid_only
        )
    )


def job_cancel(*, job: ImportJob, by) -> bool:
    if by.pk != job.created_by_id:
        raise NotAllowed(_("只有上传人可以取消导入。"))
    return bool(
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.CANCELLED, finished_at=timezone.now()
        )
    )


def job_import(job_id: int) -> ImportJob | None:
    """Import the job's rows (status 导入中 → 已导入) in one transaction with the status change.

    The rows are checked again first: the ledger may have changed since the preview (a duplicate
    logged meanwhile, a person moved). A killed worker leaves nothing half-imported and the job in
    导入中, so the redelivered task simply runs again."""
    job = ImportJob.objects.select_related("created_by__profile__unit").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.IMPORTING:
        return job
    try:
        result = _check(job, progress=False)
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.IMPORTING:
                return locked
            created = import_rows(
                result=result,
                by=job.created_by,
                valid_only=job.valid_only,
                file_name=job.original_name,
                job=job,
            )
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE,
                imported_rows=len(created),
                valid_rows=len(result.valid),
                total_rows=len(result.rows),
                problems=[p.as_dict() for p in result.problems],
                finished_at=timezone.now(),
            )
    except (LedgerFileError, ImportRefused) as error:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING).update(
            status=ImportStatus.FAILED,
            error=" ".join(error.messages),
            problems=job.problems,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def rejected_file(job: ImportJob) -> bytes:
    """The rows with problems, as uploaded, with the problems in an error column."""
    sheet = _read(job)
    by_row: dict[int, list[str]] = {}
    for p in job.problems:
        text = f"{p['column']}：{p['message']}"
        if p.get("expected"):
            text += _("（应为：%(e)s）") % {"e": p["expected"]}
        by_row.setdefault(p["row"], []).append(text)
    return rejected_workbook(sheet, by_row)


def enqueue(step: str, job: ImportJob) -> None:
    """Run ``step`` ("check" or "import") now for a small file, or after commit in Celery."""
    from .. import tasks

    run = {"check": job_check, "import": job_import}[step]
    if not runs_in_background(job):
        run(job.pk)
        return
    task = {"check": tasks.check_import_job, "import": tasks.run_import_job}[step]

    def send():
        try:
            task.delay(job.pk)
        except Exception:  # broker down: the web keeps working, the step runs here instead  # noqa: BLE001
            log.exception("could not enqueue import job %s; running it in the request", job.pk)
            run(job.pk)

    transaction.on_commit(send)
