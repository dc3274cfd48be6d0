"""PDF reports written for the tests and bench/import_bench.py, in the published layout.

    report_pdf(sample_rows())               # the sample as a planning office exports it
    report_pdf(rows, split_rows=True)       # tall rows cut by the page break
    report_pdf(rows, boxes=True, blank_last_page=True, rotated_header=True)  # as offices do
    down_then_over_pdf(rows)                # a sheet wider than the page, printed in two runs
    letter_pdf(), scanned_pdf()             # a PDF of another document; one with no text

A4 landscape; the page titles and the column header at the top of every page; a bordered
table whose cells wrap their text; process-level rows spanning the table; then the footer
without borders, its labels over the first three columns, the GPR text a link annotation.
fpdf2 writes them: it is a test dependency, never imported by the site.
"""
from __future__ import annotations

from fpdf import FPDF

GPR_URL = "https://www.loja.gob.ec/transparencia/gpr/reporte-gpr.pdf"
WIDTHS = [38, 172, 259, 119, 140]  # points, as the sample's columns
FONT_SIZE, LINE, PADDING = 7, 8.5, 2.5
LEFT, TOP, BOTTOM = 54, 60, 560


class ReportPDF(FPDF):
    def __init__(self):
        super().__init__(orientation="L", unit="pt", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(LEFT, TOP)
        self.wrapped_lines = {}  # units, indicators and targets repeat: wrap each once

    def wrapped(self, text: str, width: float) -> list[str]:
        if not text:
            return [""]
        key = (text, width, self.font_style)
        if key not in self.wrapped_lines:
            self.wrapped_lines[key] = self.multi_cell(
                width - 2 * PADDING, LINE, text, dry_run=True, output="LINES"
            )
        return list(self.wrapped_lines[key])

    def draw_row(self, cells, y, lines, bold=False, span=False, border=True):
        """One row at y, its cells' lines given; returns the row's bottom."""
        height = max(len(cell) for cell in lines) * LINE + 2 * PADDING
        self.set_font("Helvetica", "B" if bold else "", FONT_SIZE)
        x = LEFT
        widths = [sum(WIDTHS)] if span else WIDTHS
        for width, cell_lines in zip(widths, lines):
            if border and self.page_no() != getattr(self, "borderless_page", None):
                self.rect(x, y, width, height)
            for number, line in enumerate(cell_lines):
                self.text(x + PADDING, y + PADDING + (number + 1) * LINE - 2, line)
            x += width
        return y + height


def row_kind(row, seen_header, in_footer):
    filled = [cell for cell in row if cell]
    if not filled:
        return "blank"
    if row[0] == "No.":
        return "header"
    if in_footer or row[0].startswith("LINK PARA"):
        return "footer"
    if len(filled) == 1 and row[0] and (not seen_header or row[0].startswith(("Art. 7", "Literal"))):
        return "title"
    if len(filled) == 1 and row[0]:
        return "level"
    return "goal"


def box(pdf, y, cells, widths) -> float:
    """A small bordered table of one row at y (a logo and title box, a signature box, a
    summary); returns its bottom."""
    x, height = LEFT, 3 * LINE + 2 * PADDING
    pdf.set_font("Helvetica", "", FONT_SIZE)
    for text, width in zip(cells, widths):
        pdf.rect(x, y, width, height)
        for number, line in enumerate(pdf.wrapped(text, width)):
            pdf.text(x + PADDING, y + PADDING + (number + 1) * LINE - 2, line)
        x += width
    return y + height


TITLE_BOX = (["GAD MUNICIPAL DE LOJA", "Reporte LOTAIP, literal a4"], [200, 300])
SUMMARY_BOX = (["Total de metas", "137", "Cumplidas", "31"], [150, 60, 150, 60])
SIGNATURE_BOX = (
    ["Elaborado por: Ing. Ana Torres", "Revisado por: Lcdo. Luis Vega",
     "Aprobado por: Dr. José Ruiz"],
    [240, 240, 240],
)


def rotated_header_row(pdf, cells, y, lines) -> float:
    """The header with its "No." cell written upwards, as narrow columns' headers are."""
    height = max(len(cell) for cell in lines) * LINE + 2 * PADDING
    pdf.set_font("Helvetica", "B", FONT_SIZE)
    x = LEFT
    for number, (width, cell_lines) in enumerate(zip(WIDTHS, lines)):
        pdf.rect(x, y, width, height)
        if number == 0:
            with pdf.rotation(90, x + width / 2 + 2, y + height - PADDING):
                pdf.text(x + width / 2 + 2, y + height - PADDING, cells[0])
        else:
            for line_number, line in enumerate(cell_lines):
                pdf.text(x + PADDING, y + PADDING + (line_number + 1) * LINE - 2, line)
        x += width
    return y + height


def report_pdf(
    rows, *, split_rows=False, link=GPR_URL, borderless_page=None, boxes=False,
    blank_last_page=False, rotated_header=False, tall_row=None,
) -> bytes:
    """The rows (as sample_rows() gives them) laid out as the published PDF; the table of
    page `borderless_page` is drawn without its borders. With `boxes`, a logo and title box
    above the first page's titles, a summary box after the goals and a signature box after
    the footer, as offices add them; `blank_last_page` ends with an empty page;
    `rotated_header` writes the "No." header upwards; `tall_row` (an index into `rows`) is a
    goal whose objective is long enough to run over more than one page."""
    pdf = ReportPDF()
    pdf.borderless_page = borderless_page
    pdf.set_font("Helvetica", "", FONT_SIZE)
    if tall_row is not None:
        rows = [list(row) for row in rows]
        rows[tall_row][2] = " ".join([rows[tall_row][2]] * 40)
    titles, header, seen_header, in_footer = [], None, False, False
    body, footer = [], []
    for row in rows:
        kind = row_kind(row, seen_header, in_footer)
        if kind == "title" and not seen_header:
            titles.append(row[0])
        elif kind == "header":
            header, seen_header = row, True
        elif kind in ("level", "goal"):
            body.append((kind, (row + [""] * 5)[:5]))
        elif kind == "footer":
            in_footer = True
            footer.append((row + [""] * 5)[:5])

    def new_page():
        pdf.add_page()
        y = TOP
        if boxes and pdf.page_no() == 1:
            y = box(pdf, y - 30, *TITLE_BOX) + 6
        pdf.set_font("Helvetica", "B", FONT_SIZE + 1)
        for title in titles:
            pdf.text(LEFT, y + LINE, title)
            y += LINE + 2
        header_lines = [pdf.wrapped(cell, width) for cell, width in zip(header, WIDTHS)]
        if rotated_header:
            return rotated_header_row(pdf, header, y + 4, header_lines)
        return pdf.draw_row(header, y + 4, header_lines, bold=True)

    y = new_page()
    for kind, cells in body:
        span = kind == "level"
        pdf.set_font("Helvetica", "B" if span else "", FONT_SIZE)
        lines = ([pdf.wrapped(cells[0], sum(WIDTHS))] if span else
                 [pdf.wrapped(cell, width) for cell, width in zip(cells, WIDTHS)])
        height = max(len(cell) for cell in lines) * LINE + 2 * PADDING
        if y + height > BOTTOM:
            room = int((BOTTOM - y - 2 * PADDING) // LINE)
            if (split_rows or tall_row is not None) and not span and room >= 1 \
                    and max(map(len, lines)) > room:
                while max(map(len, lines)) > room:  # as many pages as the row needs
                    first = [cell[:room] or [""] for cell in lines]
                    lines = [cell[room:] or [""] for cell in lines]
                    pdf.draw_row(cells, y, first)
                    y = new_page()
                    room = int((BOTTOM - y - 2 * PADDING) // LINE)
                y = pdf.draw_row(cells, y, lines)
                continue
            y = new_page()
        y = pdf.draw_row(cells, y, lines, bold=span, span=span)
    if boxes:
        y = box(pdf, y + 12, *SUMMARY_BOX) + 12

    for cells in footer:
        label = pdf.wrapped(cells[0], sum(WIDTHS[:3]))
        value = pdf.wrapped(cells[3], WIDTHS[3])
        link_text = pdf.wrapped(cells[4], WIDTHS[4])
        height = max(len(label), len(value), len(link_text)) * LINE + 2 * PADDING
        if y + height > BOTTOM:
            y = new_page()
        pdf.set_font("Helvetica", "B", FONT_SIZE)
        for number, line in enumerate(label):
            pdf.text(LEFT + PADDING, y + PADDING + (number + 1) * LINE - 2, line)
        pdf.set_font("Helvetica", "", FONT_SIZE)
        x = LEFT + sum(WIDTHS[:3])
        for number, line in enumerate(value):
            pdf.text(x + PADDING, y + PADDING + (number + 1) * LINE - 2, line)
        x += WIDTHS[3]
        for number, line in enumerate(link_text):
            pdf.text(x + PADDING, y + PADDING + (number + 1) * LINE - 2, line)
        if cells[4] and link:
            pdf.link(x + PADDING, y + PADDING, pdf.get_string_width(cells[4]), LINE, link)
        y += height + 1
    if boxes:
        if y + 60 > BOTTOM:
            pdf.add_page()
            y = TOP
        box(pdf, y + 20, *SIGNATURE_BOX)
    if blank_last_page:
        pdf.add_page()
    return bytes(pdf.output())


def letter_pdf() -> bytes:
    """A PDF of another document: a letter, text and no table."""
    pdf = ReportPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    for number in range(12):
        pdf.text(LEFT, TOP + 20 * number, f"Oficio Nro. {number}: se convoca a la sesión ordinaria.")
    return bytes(pdf.output())


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF of page images, as a scanner makes it: no text at all."""
    import io

    from PIL import Image

    image = Image.new("L", (400, 280), color=255)
    for x in range(40, 360):
        for y in (60, 61, 120, 121, 180, 181):
            image.putpixel((x, y), 0)  # the lines of a table, as pixels
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = ReportPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(buffer.getvalue()), x=20, y=20, w=800)
    return bytes(pdf.output())


def down_then_over_pdf(rows) -> bytes:
    """A sheet wider than the page printed "down, then over", as a spreadsheet does without
    "fit all columns on one page": first every page of the columns No., unit and objective,
    then every page of the indicator and the target (the level rows blank there)."""
    pdf = ReportPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", FONT_SIZE)
    header = next(row for row in rows if row and row[0] == "No.")
    body = [(row_kind(row, True, False), (row + [""] * 5)[:5]) for row in rows
            if row_kind(row, True, False) in ("level", "goal")
            and not row[0].startswith(("Art. 7", "Literal", "FECHA", "PERIODICIDAD"))]
    for part in (slice(0, 3), slice(3, 5)):
        widths = WIDTHS[part]
        y = None  # the part starts on a page of its own
        for kind, cells in body:
            span = kind == "level"
            shown = [cells[0] if part.start == 0 else ""] if span else cells[part]
            lines = ([pdf.wrapped(shown[0], sum(widths))] if span else
                     [pdf.wrapped(cell, width) for cell, width in zip(shown, widths)])
            height = max(len(cell) for cell in lines) * LINE + 2 * PADDING
            if y is None or y + height > BOTTOM:
                if y is not None or pdf.page_no() > 1:
                    pdf.add_page()
                y = pdf.draw_part(header[part], TOP, widths, bold=True)
            y = pdf.draw_part(shown, y, widths, span=span)
    return bytes(pdf.output())


def _draw_part(self, cells, y, widths, bold=False, span=False):
    """One row of a part of the table (down_then_over_pdf); returns its bottom."""
    widths = [sum(widths)] if span else widths
    lines = [self.wrapped(cell, width) for cell, width in zip(cells, widths)]
    height = max(len(cell) for cell in lines) * LINE + 2 * PADDING
    self.set_font("Helvetica", "B" if bold else "", FONT_SIZE)
    x = LEFT
    for width, cell_lines in zip(widths, lines):
        self.rect(x, y, width, height)
        for number, line in enumerate(cell_lines):
            self.text(x + PADDING, y + PADDING + (number + 1) * LINE - 2, line)
        x += width
    return y + height


ReportPDF.draw_part = _draw_part


def other_table_pdf(columns: int = 23, pages: int = 2) -> bytes:
    """A PDF of another literal's table (a payroll of 23 columns): tables, no goals header."""
    pdf = ReportPDF()
    pdf.set_font("Helvetica", "", FONT_SIZE)
    width = (842 - 2 * LEFT) / columns
    for _page in range(pages):
        pdf.add_page()
        for row in range(12):
            cells = [f"C{row}-{column}" for column in range(columns)]
            pdf.draw_part(cells, TOP + row * (LINE + 2 * PADDING), [width] * columns)
    return bytes(pdf.output())
