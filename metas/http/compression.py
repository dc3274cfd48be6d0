"""Responses compressed for clients that ask (gzip, brotli or zstd, by compression-middleware),
except formats that are compressed already: a ZIP, a workbook or a PDF gains nothing, costs CPU,
and would lose its Content-Length (a download's progress bar)."""
from compression_middleware.middleware import CompressionMiddleware

ALREADY_COMPRESSED = {
    "application/zip",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/gzip",
    "image/png",
    "image/jpeg",
}


class CompressUnlessCompressed(CompressionMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in ALREADY_COMPRESSED:
            return response
        return super().process_response(request, response)
