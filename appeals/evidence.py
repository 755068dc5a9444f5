"""Evidence files: what we accept is decided by the bytes, never by the name or the browser's claim."""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.translation import gettext as _

from portal.rules import RuleViolation

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
]
# Control characters a plain-text file has no business containing (tab, newlines and form feed are fine).
_FORBIDDEN_IN_TEXT = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}
# Text that is really a web page or an image format that can carry script is not plain text.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|script|svg|iframe|object|embed|body|xml)\b", re.IGNORECASE)
# The name a person gave a file must agree with what its bytes are: a PDF that is really text is disguised.
EXTENSIONS = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "application/pdf": {".pdf"},
    "text/plain": {".txt", ".text", ".log", ".md", ".csv"},
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff_content_type(content: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip() or any(char in _FORBIDDEN_IN_TEXT for char in text) or _MARKUP.search(content[:65536]):
        return None
    return "text/plain"


def check_files(files: Sequence[UploadedFile], *, already_attached: int = 0) -> list[CheckedFile]:
    """Read and vet uploads; refuse with a message that names the file at fault."""
    if already_attached + len(files) > MAX_FILES:
        raise RuleViolation(_("You can attach at most %(max)d files.") % {"max": MAX_FILES}, code="too_many_files")
    checked = []
    for upload in files:
        name = (upload.name or "file").rsplit("/", 1)[-1][:255]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise RuleViolation(_("%(name)s is larger than 10 MB.") % {"name": name}, code="file_too_large")
        content = upload.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            raise RuleViolation(_("%(name)s is larger than 10 MB.") % {"name": name}, code="file_too_large")
        content_type = sniff_content_type(content)
        if content_type is None or PurePosixPath(name.lower()).suffix not in EXTENSIONS[content_type]:
            raise RuleViolation(
                _("%(name)s is not a PNG, JPEG, PDF or plain-text file.") % {"name": name}, code="file_type"
            )
        checked.append(CheckedFile(name=name, content=content, content_type=content_type))
    return checked


class EvidenceUploadHandler(TemporaryFileUploadHandler):
    """Spools an upload too big for memory to disk, but only its first MAX_BYTES + 1 bytes: enough for check_files
    to refuse an oversized file by name (the parser still counts its whole size), while one request can no longer
    fill the disk with a file we would refuse anyway."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write(raw_data[: max(0, MAX_BYTES + 1 - start)])


def as_django_file(checked: CheckedFile) -> ContentFile[bytes]:
    # Stored under a neutral name; the original name is kept as data, never as a path.
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf", "text/plain": "txt"}
    return ContentFile(checked.content, name=f"{checked.sha256[:32]}.{extension[checked.content_type]}")
