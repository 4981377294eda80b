"""Small files for upload tests: real magic numbers, so content checks see what they expect."""

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="document.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="scan.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def fake_pdf(name="virus.pdf"):
    """Named like a PDF, but an executable inside."""
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")


def required_documents() -> dict:
    return {"licence": pdf("licence.pdf"), "security": pdf("security.pdf"), "appointment": png("appointment.png")}
