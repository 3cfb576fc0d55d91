"""Every upload of the project: streamed to disk, its size limit enforced while it is read, its
type checked by content.

``SizeLimitHandler`` is the first of ``FILE_UPLOAD_HANDLERS``: it counts each file's bytes as
the request streams in and drops the file the moment it passes its limit, so a 300 MB file
never reaches memory or the disk in full. The limit is the project's ``TUOPIN_UPLOAD_MAX_BYTES``
or a lower one a view declares with :func:`upload_limit`. Views take files through
:func:`received_file` / :func:`received_files`, which turn a dropped file, an empty file or a
file of the wrong kind into :class:`UploadRefused` with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from tuopin.lib import filekinds

View = TypeVar("View", bound=Callable)


class UploadRefused(ValueError):
    """An uploaded file was refused; the message says why, in Chinese."""


def describe_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def upload_limit(max_bytes: int) -> Callable[[View], View]:
    """Declare a view's per-file limit (below the project's) for :class:`SizeLimitHandler`."""

    def mark(view: View) -> View:
        view.upload_max_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def limit_for(request: HttpRequest) -> int:
    project = settings.TUOPIN_UPLOAD_MAX_BYTES
    match = getattr(request, "resolver_match", None)
    declared = getattr(match.func, "upload_max_bytes", None) if match is not None else None
    return min(declared, project) if declared else project


def _refusals(request: HttpRequest) -> dict[str, str]:
    if not hasattr(request, "upload_refusals"):
        request.upload_refusals = {}
    return request.upload_refusals


class SizeLimitHandler(FileUploadHandler):
    """Passes chunks on to the next handler, and skips a file once it passes the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = limit_for(request) if request is not None else settings.TUOPIN_UPLOAD_MAX_BYTES

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # ``start`` is this chunk's offset in the file: the bytes received so far.
        if start + len(raw_data) > self.limit:
            if self.request is not None:
                _refusals(self.request)[self.field_name] = (
                    f"文件“{self.file_name}”超过 {describe_bytes(self.limit)} 的上限，未接收；"
                    "请压缩或拆分后再上传"
                )
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def refusal(request: HttpRequest, field: str) -> str | None:
    """Why the file sent as ``field`` was dropped while streaming in (for views using forms)."""
    request.FILES  # noqa: B018 - parsing the body is what records refusals
    return _refusals(request).get(field)


def _checked(upload: UploadedFile, kinds: Iterable[str]) -> UploadedFile:
    name = upload.name or "未命名文件"
    if upload.size == 0:
        raise UploadRefused(f"文件“{name}”是空的，请重新选择文件")
    try:
        filekinds.check(upload, name, kinds)
    except filekinds.WrongKind as error:
        raise UploadRefused(str(error)) from None
    return upload


def received_file(
    request: HttpRequest, field: str = "file", *, kinds: Iterable[str]
) -> UploadedFile | None:
    """The file sent as ``field`` if it is acceptable, ``None`` if none was sent."""
    dropped = refusal(request, field)
    if dropped:
        raise UploadRefused(dropped)
    upload = request.FILES.get(field)
    return None if upload is None else _checked(upload, kinds)


def received_files(
    request: HttpRequest, field: str = "file", *, kinds: Iterable[str]
) -> list[UploadedFile]:
    """Every file sent as ``field``; one unacceptable file refuses them all."""
    dropped = refusal(request, field)
    if dropped:
        raise UploadRefused(dropped)
    return [_checked(upload, kinds) for upload in request.FILES.getlist(field)]
