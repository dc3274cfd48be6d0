"""Small factories of hostile files, made in the tests: each is a few megabytes at most, and
what it would cost to read is what metas.importer.bounds must refuse before parsing.

    zip_of_zeros(members=20, size=49 * MB)  # a ZIP "bomb": 1 MB that inflates to 980 MB
    zip_with_lying_size(size=80 * MB)        # its headers say each member holds 1 KB
    xlsx_with_rows(sheet_rows)               # any <sheetData> XML, in a real workbook
    ods_with_content(content_xml)            # any content.xml, in a real .ods
    pdf_with_stream(raw_stream)              # a PDF with one content stream
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from .importer_files import xlsx_bytes

MB = 1024 * 1024


def zip_of_zeros(members: int = 20, size: int = 49 * MB) -> bytes:
    buffer = io.BytesIO()
    zeros = bytes(size)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for number in range(members):
            archive.writestr(f"datos-{number}.csv", zeros)
    return buffer.getvalue()


def zip_with_lying_size(size: int = 80 * MB, claimed: int = 1024) -> bytes:
    """One member of `size` zeros whose local and central headers both claim `claimed` bytes."""
    data = zip_of_zeros(members=1, size=size)
    real = struct.pack("<I", size)
    fake = struct.pack("<I", claimed)
    # The uncompressed size sits 22 bytes into a local header and 24 into a central entry.
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    patched = bytearray(data)
    assert patched[local + 22:local + 26] == real and patched[central + 24:central + 28] == real
    patched[local + 22:local + 26] = fake
    patched[central + 24:central + 28] = fake
    return bytes(patched)


def xlsx_with_rows(sheet_data: bytes) -> bytes:
    """A workbook whose one sheet's <sheetData> is `sheet_data`."""
    workbook = xlsx_bytes([["MARKER"]])
    source = zipfile.ZipFile(io.BytesIO(workbook))
    sheet = source.read("xl/worksheets/sheet1.xml")
    start, end = sheet.index(b"<sheetData>"), sheet.index(b"</sheetData>") + len(b"</sheetData>")
    replaced = sheet[:start] + b"<sheetData>" + sheet_data + b"</sheetData>" + sheet[end:]
    return replace_member(workbook, "xl/worksheets/sheet1.xml", replaced)


def xlsx_with_shared_strings(count: int) -> bytes:
    strings = b"".join(b"<si><t>%d</t></si>" % number for number in range(count))
    xml = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
           b'uniqueCount="%d">' % (count, count)) + strings + b"</sst>"
    return replace_member(xlsx_bytes([["MARKER"]]), "xl/sharedStrings.xml", xml)


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != name:
                archive.writestr(info.filename, source.read(info))
        archive.writestr(name, content)
    return buffer.getvalue()


ODS_CONTENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    b'<office:body><office:spreadsheet><table:table table:name="Hoja1">%s</table:table>'
    b"</office:spreadsheet></office:body></office:document-content>"
)


def ods_with_rows(rows_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", ODS_CONTENT % rows_xml)
        archive.writestr("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest '
                         b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return buffer.getvalue()


def pdf_with_stream(stream: bytes) -> bytes:
    """A one-page PDF whose page content is `stream`, already compressed (FlateDecode)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def deflated_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9)
    chunk = bytes(MB)
    parts = [compressor.compress(chunk) for _ in range(size // MB)]
    return b"".join(parts) + compressor.flush()

