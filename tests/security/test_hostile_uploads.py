"""Uploads that lie: evidence is judged by its bytes, its name must agree, and whatever is kept is served so that no
browser ever runs it (a safe Content-Type, nosniff, a sandbox CSP, and a download everywhere but the reviewer's
inline view of PNG and JPEG images)."""

import io
import os
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart

from appeals.evidence import MAX_BYTES, check_files
from appeals.models import Appeal, Evidence, Suspension
from portal.rules import RuleViolation
from tests.appeals.test_appellant_filing import assert_nothing_filed
from tests.appeals.test_appellant_pages import PNG, error_list, filing, signed_in, text_of
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

NOT_ACCEPTED = "is not a PNG, JPEG, PDF or plain-text file."


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int) -> bytes:
    """A valid PNG header of any size, with one tiny compressed row: the shape of an image bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _zip_bomb() -> bytes:
    """A few kilobytes that inflate to 100 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("bomb.txt", b"0" * (100 * 1024 * 1024))
    return buffer.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
GIF_JS_POLYGLOT = b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=1;alert(document.domain)//\x00;"
ZIP_BOMB = _zip_bomb()

REFUSED = {
    "html named pdf": ("statement.pdf", HTML),
    "html with a byte-order mark named txt": ("notes.txt", b"\xef\xbb\xbf  \n<html><script>alert(1)</script>"),
    "html in upper case named txt": ("notes.txt", b"hello\n< SCRIPT >alert(1)</SCRIPT>"),
    "svg with script named svg": ("drawing.svg", SVG),
    "svg with script named png": ("drawing.png", SVG),
    "svg with script named txt": ("drawing.txt", SVG),
    "gif/js polyglot named gif": ("funny.gif", GIF_JS_POLYGLOT),
    "gif/js polyglot named txt": ("funny.txt", GIF_JS_POLYGLOT),
    "gif/js polyglot named js": ("funny.js", GIF_JS_POLYGLOT),
    "zip bomb named zip": ("evidence.zip", ZIP_BOMB),
    "zip bomb named txt": ("evidence.txt", ZIP_BOMB),
    "zip bomb named pdf": ("evidence.pdf", ZIP_BOMB),
    "png named pdf": ("scan.pdf", PNG),
    "pdf named png": ("scan.png", b"%PDF-1.7\n%%EOF\n"),
    "text named png": ("scan.png", b"just words\n"),
    "utf-16 html named txt": ("notes.txt", "<html><script>alert(1)</script>".encode("utf-16")),
    "nul bytes in text": ("notes.txt", b"line one\x00line two\n"),
}


@pytest.mark.parametrize(("name", "content"), REFUSED.values(), ids=REFUSED.keys())
def test_a_file_whose_bytes_are_not_what_we_accept_is_refused_and_nothing_is_filed(
    alice_suspension: Suspension, name: str, content: bytes
) -> None:
    client = signed_in(alice_suspension)
    response = client.post("/appeal/case/appeal/", filing(evidence=[SimpleUploadedFile(name, content)]))
    assert response.status_code == 200
    assert f"{name} {NOT_ACCEPTED}" in error_list(text_of(response), "id_evidence")
    assert_nothing_filed()


def test_an_empty_file_is_refused_as_empty(alice_suspension: Suspension) -> None:
    client = signed_in(alice_suspension)
    response = client.post("/appeal/case/appeal/", filing(evidence=[SimpleUploadedFile("empty.txt", b"")]))
    assert response.status_code == 200
    assert "The submitted file is empty." in error_list(text_of(response), "id_evidence")
    assert_nothing_filed()


# Accepted, because what they are is harmless as long as they are served as what their first bytes say.
ACCEPTED = {
    "pdf with embedded html": ("report.pdf", b"%PDF-1.4\n" + HTML + b"%%EOF\n", "application/pdf"),
    "png with a zip appended": ("shot.png", _png(16, 16) + ZIP_BOMB, "image/png"),
    "png image bomb (65535 x 65535 pixels in 200 bytes)": ("bomb.png", _png(65535, 65535), "image/png"),
    "ascii gif/js polyglot named txt": ("poly.txt", b"GIF89a=1;alert(document.domain)//\n", "text/plain"),
}


def _file_with(suspension: Suspension, name: str, content: bytes) -> tuple[Client, Evidence]:
    client = signed_in(suspension)
    response = client.post("/appeal/case/appeal/", filing(evidence=[SimpleUploadedFile(name, content)]))
    assert response.status_code == 302
    return client, Evidence.objects.get()


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_an_accepted_file_is_stored_as_its_bytes_say_and_downloaded_by_the_appellant_never_rendered(
    alice_suspension: Suspension, name: str, content: bytes, content_type: str
) -> None:
    client, item = _file_with(alice_suspension, name, content)
    assert (item.content_type, item.size, item.original_name) == (content_type, len(content), name)
    response = client.get(f"/appeal/appeals/{item.appeal.reference}/evidence/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == content  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_reviewers_see_only_png_and_jpeg_inline_and_always_sandboxed(
    alice_suspension: Suspension, rita, name: str, content: bytes, content_type: str
) -> None:
    _client, item = _file_with(alice_suspension, name, content)
    response = staff_client(rita).get(f"/review/appeals/{item.appeal.reference}/evidence/{item.pk}/")
    assert response.status_code == 200
    disposition = "inline" if content_type == "image/png" else "attachment"
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'{disposition}; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


HOSTILE_NAMES = {
    "semicolons": ("a;filename=evil.html;x=.txt", 'attachment; filename="a;filename=evil.html;x=.txt"'),
    "html entities for CRLF": ("a&#13;&#10;Set-Cookie: x=1.txt", 'attachment; filename="aSet-Cookie: x=1.txt"'),
    "right-to-left override": ("evil\u202etxt.exe.txt", 'attachment; filename="eviltxt.exe.txt"'),
    "path": ("../../etc/passwd.txt", 'attachment; filename="passwd.txt"'),
    "markup in the name": (
        "<img src=x onerror=alert(1)>.txt",
        'attachment; filename="<img src=x onerror=alert(1)>.txt"',
    ),
}


@pytest.mark.parametrize(("name", "disposition"), HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_hostile_file_name_never_breaks_out_of_its_header_or_its_page(
    alice_suspension: Suspension, rita, name: str, disposition: str
) -> None:
    client, item = _file_with(alice_suspension, name, b"plain words\n")
    response = client.get(f"/appeal/appeals/{item.appeal.reference}/evidence/{item.pk}/")
    assert response["Content-Disposition"] == disposition
    assert "Set-Cookie" not in {key for key, _value in response.items()}
    assert "\u202e" not in item.original_name and "/" not in item.original_name
    for page in (
        client.get(f"/appeal/appeals/{item.appeal.reference}/"),
        staff_client(rita).get(f"/review/appeals/{item.appeal.reference}/"),
    ):
        assert page.status_code == 200
        assert "<img src=x" not in text_of(page)


def test_a_file_over_10_mb_is_refused_and_the_upload_is_spooled_to_disk_not_held_in_memory(
    alice_suspension: Suspension,
) -> None:
    client = signed_in(alice_suspension)
    thirty_mb = PNG + b"\x00" * (3 * MAX_BYTES)
    body = encode_multipart(BOUNDARY, filing(evidence=[SimpleUploadedFile("huge.png", thirty_mb)]))
    del thirty_mb
    payload = FakePayload(body)  # made before tracing: the test client's copy of the body is not the server's cost
    tracemalloc.start()
    try:
        response = client.request(
            REQUEST_METHOD="POST",
            PATH_INFO="/appeal/case/appeal/",
            CONTENT_TYPE=MULTIPART_CONTENT,
            CONTENT_LENGTH=str(len(body)),
            **{"wsgi.input": payload},
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert "huge.png is larger than 10 MB." in error_list(text_of(response), "id_evidence")
    assert_nothing_filed()
    # The body itself (31 MB) was allocated before tracing began; handling it must cost a small fraction of that.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB while refusing a 30 MB upload"
    assert not Appeal.objects.exists()


def test_an_oversized_upload_keeps_only_its_first_10_mb_on_disk_and_its_whole_size_for_the_refusal() -> None:
    thirty_mb = PNG + b"\x00" * (3 * MAX_BYTES)
    request = RequestFactory().post("/appeal/case/appeal/", {"evidence": SimpleUploadedFile("huge.png", thirty_mb)})
    upload = request.FILES["evidence"]
    assert isinstance(upload, TemporaryUploadedFile)  # too big for memory: on disk
    assert upload.size == len(thirty_mb)
    assert os.path.getsize(upload.temporary_file_path()) == MAX_BYTES + 1
    with pytest.raises(RuleViolation, match="huge.png is larger than 10 MB."):
        check_files([upload])


def test_a_text_field_past_the_request_limit_is_a_bad_request_not_a_server_error(
    alice_suspension: Suspension, settings
) -> None:
    client = signed_in(alice_suspension)
    statement = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/appeal/case/appeal/", filing(statement=statement))
    assert response.status_code == 400
    assert_nothing_filed()
