"""HTTP for ledger imports: upload, preview, confirm, progress, downloads. The work is in
risks.ledger_io (jobs, importer, template); a job is seen only by the person who uploaded it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from .ledger_io import jobs
from .ledger_io.template import template_workbook
from .models import ImportJob, ImportStatus, today
from .permissions import can_create_risk

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_PROBLEMS = 500


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("台账文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )


def _require_importer(user):
    if not can_create_risk(user):
        raise PermissionDenied(_("您的角色不能导入台账。"))


def _own_job(request, pk) -> ImportJob:
    _require_importer(request.user)
    job = ImportJob.objects.filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404(_("没有找到这次导入。"))
    return job


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def import_start(request):
    _require_importer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.job_start(by=request.user, upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            jobs.enqueue("check", job)
            return redirect("risks:import_job", pk=job.pk)
    recent = ImportJob.objects.filter(created_by=request.user)[:10]
    status = 400 if request.method == "POST" else 200
    return render(request, "risks/import.html", {"form": form, "recent": recent}, status=status)


@require_http_methods(["GET"])
def import_template(request):
    _require_importer(request.user)
    return _download(template_workbook(request.user), _("风险隐患台账导入模板.xlsx"))


def _job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "problems": job.problems[:PREVIEW_PROBLEMS],
        "more_problems": max(len(job.problems) - PREVIEW_PROBLEMS, 0),
        "can_import_all": job.status == ImportStatus.CHECKED and not job.problems and job.valid_rows,
        "can_import_valid": job.status == ImportStatus.CHECKED and job.problems and job.valid_rows,
    }


@require_http_methods(["GET"])
def import_job(request, pk):
    job = _own_job(request, pk)
    return render(request, "risks/import_job.html", _job_context(job))


@require_http_methods(["GET"])
def import_progress(request, pk):
    """The progress bar, polled by htmx while the job runs; a full reload once it has stopped."""
    job = _own_job(request, pk)
    response = render(request, "risks/_import_progress.html", {"job": job})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_confirm(request, pk):
    job = _own_job(request, pk)
    valid_only = request.POST.get("mode") == "valid_only"
    try:
        claimed = jobs.job_confirm(job=job, by=request.user, valid_only=valid_only)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("risks:import_job", pk=job.pk)
    if claimed:
        jobs.enqueue("import", job)
    job.refresh_from_db()
    if job.status == ImportStatus.DONE:
        messages.success(request, _("已导入 %(n)d 条风险隐患。") % {"n": job.imported_rows})
    return redirect("risks:import_job", pk=job.pk)


@require_POST
def import_cancel(request, pk):
    job = _own_job(request, pk)
    if jobs.job_cancel(job=job, by=request.user):
        messages.info(request, _("已取消本次导入，没有保存任何数据。"))
    return redirect("risks:import")


@require_http_methods(["GET"])
def import_rejected(request, pk):
    job = _own_job(request, pk)
    if not job.problems:
        raise Http404(_("这次导入没有未通过的行。"))
    try:
        content = jobs.rejected_file(job)
    except (ValidationError, FileNotFoundError):
        raise Http404(_("上传的文件已不在，无法生成未通过的行。")) from None
    return _download(content, _("未导入的行-%(d)s.xlsx") % {"d": f"{today():%Y%m%d}"})
