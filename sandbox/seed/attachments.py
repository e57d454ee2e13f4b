"""Small files that seeded emails carry: one-page PDFs and CSV order lists.

The files are real (a PDF reader opens them) but tiny, about half a kilobyte, so
the tens of thousands a large seed attaches cost little; all copies of one
email share the same encoded content.
"""

from __future__ import annotations

import base64

from sandbox.seed.mail import Attachment

#: file name per client-thread topic; {number} is the thread's document number
_FILE_NAMES: dict[str, str] = {
    "renewal": "Renewal proposal {number}.pdf",
    "invoice": "Invoice {number}.pdf",
    "qbr": "Business review {number}.pdf",
    "order": "Order {number}.csv",
    "pricing": "Price list {number}.pdf",
    "remittance": "Remittance advice {number}.pdf",
    "complaint": "Delivery note {number}.pdf",
}


def _pdf(title: str) -> bytes:
    """A one-page PDF showing `title`, with a correct cross-reference table."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % table
    return bytes(out)


def _csv(number: int) -> bytes:
    rows = (f"{n},P-{number % 9000 + n:05d},{n * 5}" for n in (1, 2, 3))
    lines = ["line,part_number,quantity", *rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def attachment_for(kind: str, number: int, title: str) -> Attachment:
    """The file a `kind` email (a topic name in `_FILE_NAMES`) carries; KeyError otherwise."""
    name = _FILE_NAMES[kind].format(number=number)
    if name.endswith(".csv"):
        content, content_type = _csv(number), "text/csv"
    else:
        content, content_type = _pdf(title), "application/pdf"
    return Attachment(name, content_type, base64.b64encode(content).decode(), len(content))
