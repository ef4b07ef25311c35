"""Upload checks for attachments: size and type by content (magic bytes), not by the name."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Allowed types: photos, scanned documents and office files. A name's extension must agree with
# what the content is, so an HTML page renamed .pdf is refused.
ALLOWED_TYPES = {
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {".xlsx"},
    "application/zip": {".zip", ".docx", ".xlsx"},
}
MAX_FILES = 10


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def validate_upload(upload) -> str:
    """Check one uploaded file; return its content type or raise ValidationError in Chinese."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”超过大小上限 %(limit)s。")
            % {"name": upload.name, "limit": filesizeformat(limit)}
        )
    if _unsafe_name(upload.name):
        raise ValidationError(
            _("文件名“%(name)s”不允许：不能包含路径、控制字符或以点开头。")
            % {"name": safe_display_name(upload.name)}
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": upload.name})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime not in ALLOWED_TYPES or _extension(upload.name) not in ALLOWED_TYPES[mime]:
        raise ValidationError(
            _(
                "文件“%(name)s”的类型不允许；"
                "只能上传 JPG、PNG、GIF、WEBP 图片，PDF，以及 Word、Excel（docx、xlsx）文件。"
            )
            % {"name": upload.name}
        )
    return mime


def _unsafe_name(name: str) -> bool:
    """A name that tries to be a path (../../etc/x, ..\\x), hides (.htaccess) or carries control
    characters. Browsers send a bare file name; Django's multipart parser strips directories from
    uploads, and this refuses whatever reaches a service some other way (an import, the API)."""
    name = name or ""
    return "/" in name or "\\" in name or name.startswith(".") or any(not ch.isprintable() for ch in name)


def safe_display_name(name: str) -> str:
    """The uploaded name as data: no directories, no control characters, bounded length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "file"
    return name[-150:]


def stored_file(upload, *, by, content_type: str | None = None) -> dict:
    """The fields every stored upload (a risk's, a duty record's, a receipt's) is saved with;
    ``content_type`` when validate_upload has checked it already."""
    return {
        "file": upload,
        "original_name": safe_display_name(upload.name),
        "content_type": content_type or validate_upload(upload),
        "size": upload.size,
        "uploaded_by": by,
    }


def serve(stored, *, user, summary: str = "") -> FileResponse:
    """Answer with an uploaded file (risks.models.StoredFile) the caller has checked ``user`` may
    see, auditing the download. Images show inline, everything else downloads."""
    from . import audit
    from .models import AuditAction

    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件已丢失，请联系管理员。")) from None
    audit.record(actor=user, action=AuditAction.DOWNLOAD, obj=stored, summary=summary)
    response = FileResponse(
        handle,
        as_attachment=not stored.content_type.startswith("image/"),
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
