"""A report published as a scan: its table read from the page images by OCR.

Many institutions print the signed report and publish the scan: a PDF of page images, each
turned a little, with the scanner's noise, and no text at all. read_scan() reads it into a
metas.importer.scanned.Scan, page by page:

- the page is rendered in grey at RENDER_DPI (pypdfium2, which pdfplumber brings);
- it is turned straight: the table's ruling lines give the angle (OpenCV: the long horizontal
  strokes of the binarised page, each fitted with a straight line);
- the table is cut into cells: its horizontal and vertical ruling lines (a morphological
  opening with long thin kernels), the bands between consecutive horizontal lines, and in
  each band the cells between the vertical lines that cross it whole (a process-level row,
  merged across the table, has none: its text is the first column's, as in the PDF);
- every cell's image, its ruling lines whited out, is one frame of a multi-page TIFF, and
  the text outside the table (titles, footer) another; Tesseract (Debian's `tesseract-ocr`
  with `tesseract-ocr-spa`, through pytesseract) reads the page's frames in one run;
- the text outside the table is put back into rows and columns as the PDF reader does
  (metas.importer.pdf.rows_of_blocks): a footer label in the first column, its value in the
  column it starts in.

Each cell keeps Tesseract's confidence (the lowest of its words') and its words, each with its
confidence and whether Tesseract's Spanish dictionary has it (metas.importer.scanned decides
from them which cells the staff should check). Pages are read WORKERS at a
time, each in its own Tesseract process limited to one thread (OMP_THREAD_LIMIT), and
`progress(done, total)` is called as each page is done, so that a caller outside a request (a
worker) can show how far it is. Nothing is downloaded: the Spanish data is Debian's.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import cv2
import numpy as np
import pypdfium2
import pytesseract
from django.utils.translation import gettext as _
from PIL import Image

from . import bounds
from .parsed import InputFile, Problem
from .pdf import MIN_PAGE_CHARS, Block, column_of, is_header, rows_of_blocks
from .scanned import NUMBER, Scan, ScanCell, ScanPage, ScanRow, scanned_table, word_core
from .table import Table, Unreadable
from .values import metadata_field

logger = logging.getLogger(__name__)

RENDER_DPI = 200  # a scanner's usual resolution: the text is ~20 px high (300 reads no better)
LANGUAGE = "spa"
# Tesseract's page segmentation modes: a cell is "a single uniform block of text" (6); the
# text outside the table is laid out by Tesseract (3, "fully automatic").
CELL_PSM = 6
PAGE_PSM = 3
# A column whose cells read as numbers (codes), this share of them at least, is read again
# as NUMBER_CHARACTERS only, each cell a single line (7).
NUMBER_LIKE = re.compile(r"[\d.,:;]+")
NUMBER_COLUMN_SHARE = 0.8
NUMBER_CHARACTERS = "0123456789."
NUMBER_PSM = 7
WORKERS = 2  # pages read at once, one Tesseract process each
TESSERACT_SECONDS = 120  # a page's Tesseract run is stopped after this
# A page's ruling lines: horizontal ones at least this part of the page's width, vertical
# ones at least LINE_MIN_PIXELS high; lines closer than MERGE_PIXELS are one.
LINE_MIN_WIDTH = 1 / 10
LINE_MIN_PIXELS = 31
MERGE_PIXELS = 6
MIN_BAND_PIXELS = 15  # a band between two lines thinner than this is a double line
# Pixels kept white inside a cell's borders, so that no stroke of a line is read as a letter.
INSET = 3
CROP_MARGIN = 6  # pixels around a cell shown to the staff
# A row at the top of a page this similar to a title or the header of the first page is
# that title or header, repeated.
REPEAT_SIMILARITY = 0.8
# Outside the table, words further apart than this many text heights are in different cells.
WORD_GAP = 2.0


@dataclass
class Grid:
    columns: list[float]  # the x of each vertical line of the table, left to right
    bands: list[tuple[float, float, list[float]]]  # (top, bottom, vertical lines crossing it)

    @property
    def top(self) -> float:
        return self.bands[0][0]

    @property
    def bottom(self) -> float:
        return self.bands[-1][1]


@dataclass
class Word:
    text: str
    confidence: int
    left: int
    top: int
    right: int
    bottom: int
    line: tuple[int, int, int] = (0, 0, 0)  # Tesseract's (block, paragraph, line)


Progress = Callable[[int, int], None]


def read_scanned(file: InputFile) -> Table:
    """A scan's table: from the reading kept with the file (a pending upload's), else read
    now."""
    return scanned_table(file, file.scan if file.scan is not None else read_scan(file))


def read_scans(files: list[InputFile], progress: Progress | None = None) -> list[InputFile]:
    """The files, each scanned PDF among them with its OCR reading (InputFile.scan), so that
    reading them again (the preview, "Publicar") takes no OCR. A scan that cannot be read is
    left as it is: reading the report says why."""
    read = []
    for file in files:
        if file.scan is None and is_scan(file):
            try:
                file = InputFile(file.name, file.data, scan=read_scan(file, progress))
            except Unreadable:
                pass
        read.append(file)
    return read


def is_scan(file: InputFile) -> bool:
    """A PDF with no page of text (metas.importer.pdf reads those by OCR too)."""
    if not file.data.startswith(b"%PDF-"):
        return False
    try:
        document = pypdfium2.PdfDocument(file.data)
    except pypdfium2.PdfiumError:
        return False
    try:
        for index in range(min(len(document), bounds.MAX_PDF_PAGES)):
            page = document[index]
            try:
                if page.get_textpage().count_chars() >= MIN_PAGE_CHARS:
                    return False
            finally:
                page.close()
        return True
    finally:
        document.close()


def read_scan(file: InputFile, progress: Progress | None = None) -> Scan:
    """Reads every page of a scanned PDF (the caller knows it has no text), calling
    `progress(done, total)` as each page is done. Raises Unreadable with a Spanish problem
    for a file that cannot be read this way."""
    try:
        document = pypdfium2.PdfDocument(file.data)
    except pypdfium2.PdfiumError as error:
        raise Unreadable(damaged(file)) from error
    try:
        total = len(document)
        bounds.check_scan(file, total, [page_pixels(document, index) for index in range(total)])
        pages = read_pages(file, document, total, progress)
    except bounds.OutOfBounds as refusal:
        raise Unreadable(refusal.problem) from None
    finally:
        document.close()
    return assemble(file, pages, total)


def read_pages(file, document, total, progress) -> list[tuple[ScanPage, list[float] | None]]:
    """Each page's rows and table columns, WORKERS pages at a time, in page order."""
    # One thread per Tesseract process: WORKERS of them already share the processors, and
    # OpenMP's threads in each would only compete (an operator's own setting is kept).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    lock = threading.Lock()  # pdfium is not thread-safe
    pages: dict[int, tuple[ScanPage, list[float] | None]] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(read_page, document, lock, index) for index in range(total)]
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                page, columns = future.result()
                pages[page.number] = (page, columns)
                if progress is not None:
                    progress(done, total)
        except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError,
                RuntimeError) as error:
            for future in futures:
                future.cancel()
            raise Unreadable(ocr_failed(file, error)) from error
    return [pages[number] for number in sorted(pages)]


def ocr_failed(file: InputFile, error: Exception) -> Problem:
    """Tesseract missing, without its Spanish data, or stopped after TESSERACT_SECONDS."""
    if isinstance(error, RuntimeError) and "timeout" in str(error):
        return Problem(file.name, _(
            "Reading this scanned PDF took too long and was stopped. Scan the report again "
            "in black and white or grey at 200 to 300 dpi, or upload the report's spreadsheet."
        ))
    logger.error("Tesseract cannot read scanned PDFs on this server: %s", error)
    return Problem(file.name, _(
        "This PDF is a scan (page images, no text), and this server cannot read scans now: its "
        "text recognition (Tesseract) is missing. The error was recorded for the site's "
        "administrators. Upload the report's spreadsheet, or try again later."
    ))


def damaged(file: InputFile) -> Problem:
    return Problem(file.name, _(
        "The PDF cannot be read: it is damaged. Download it again or export it again from "
        "the spreadsheet."
    ))


def page_pixels(document, index: int) -> int:
    """The pixels the page would have rendered, and those of its largest image."""
    page = document[index]
    try:
        width, height = page.get_size()
        rendered = int(width * RENDER_DPI / 72) * int(height * RENDER_DPI / 72)
        images = [
            obj.get_px_size() for obj in page.get_objects(
                filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2)
        ]
        return max([rendered] + [w * h for w, h in images])
    finally:
        page.close()


def render(document, lock: threading.Lock, index: int) -> np.ndarray:
    with lock:
        page = document[index]
        try:
            bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
            image = bitmap.to_numpy().copy()
        finally:
            page.close()
    return image if image.ndim == 2 else image[:, :, 0]


def read_page(document, lock: threading.Lock, index: int) -> tuple[ScanPage, list[float] | None]:
    """The page's rows, and its table's column lines (None: no table on the page)."""
    grey = render(document, lock, index)
    straight, angle = straighten(grey)
    ink = binarise(straight)
    grid, lines = find_grid(ink)
    cleaned = straight.copy()
    cleaned[lines > 0] = 255  # the ruling lines, whited out
    boxes = cell_boxes(grid) if grid else []
    outside = outside_region(cleaned, grid)
    words = read_words([crop(cleaned, box) for *_, box in boxes], CELL_PSM) if boxes else []
    reread_numbers(cleaned, grid, boxes, words)
    rows = table_rows(grid, boxes, words) if grid else []
    rows += outside_rows(read_words([outside], PAGE_PSM)[0], grid)
    rows.sort(key=lambda row: row.top)
    page = ScanPage(index + 1, round(angle, 3), [row for row in rows if any_text(row)])
    return page, (grid.columns if grid else None)


def any_text(row: ScanRow) -> bool:
    return any(cell.text for cell in row.cells)


# --- Images -----------------------------------------------------------------------------------

def binarise(grey: np.ndarray) -> np.ndarray:
    """Ink as 255, paper as 0 (Otsu's threshold)."""
    _threshold, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def straighten(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned so that its ruling lines are level, and the angle it was turned by."""
    angle = skew_angle(binarise(grey))
    if abs(angle) < 0.02:
        return grey, 0.0
    return turned(grey, angle), angle


def turned(grey: np.ndarray, angle: float) -> np.ndarray:
    if not angle:
        return grey
    height, width = grey.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(grey, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderValue=255)


def skew_angle(ink: np.ndarray) -> float:
    """The angle of the page's long horizontal strokes (the table's lines), in degrees, each
    fitted by least squares and weighted by its length; 0 when there are none."""
    width = ink.shape[1]
    strokes = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                               cv2.getStructuringElement(cv2.MORPH_RECT, (81, 1)))
    count, labels, stats, _centres = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    angles, weights = [], []
    for label in range(1, count):
        left, top, length, height, _area = stats[label]
        if length < width * LINE_MIN_WIDTH * 2:
            continue
        ys, xs = np.nonzero(labels[top:top + height, left:left + length] == label)
        slope = np.polyfit(xs, ys, 1)[0]
        angles.append(np.degrees(np.arctan(slope)))
        weights.append(length)
    return float(np.average(angles, weights=weights)) if angles else 0.0


def find_grid(ink: np.ndarray) -> tuple[Grid | None, np.ndarray]:
    """The table's bands and columns, and the mask of its ruling lines."""
    height, width = ink.shape
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (int(width * LINE_MIN_WIDTH / 3), 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (1, LINE_MIN_PIXELS)))
    lines = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    rows = merged([top + h / 2 for left, top, w, h in segments(horizontal)
                   if w >= width * LINE_MIN_WIDTH])
    if len(rows) < 2:
        return None, lines
    verticals = [(left + w / 2, top, top + h) for left, top, w, h in segments(vertical)
                 if h >= LINE_MIN_PIXELS]
    bands = []
    for top, bottom in zip(rows, rows[1:]):
        if bottom - top < MIN_BAND_PIXELS:
            continue
        crossing = merged([x for x, start, end in verticals
                           if start <= top + MERGE_PIXELS and end >= bottom - MERGE_PIXELS])
        bands.append((top, bottom, crossing))
    columns = merged([x for _top, _bottom, crossing in bands for x in crossing])
    if len(columns) < 2:
        return None, lines
    return Grid(columns, bands), lines


def segments(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(left, top, width, height) of each connected stroke of a mask."""
    count, _labels, stats, _centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [tuple(int(value) for value in stats[label][:4]) for label in range(1, count)]


def merged(positions: list[float]) -> list[float]:
    """Positions closer than MERGE_PIXELS as one, their mean."""
    groups: list[list[float]] = []
    for position in sorted(positions):
        if groups and position - groups[-1][-1] <= MERGE_PIXELS:
            groups[-1].append(position)
        else:
            groups.append([position])
    return [sum(group) / len(group) for group in groups]


def cell_boxes(grid: Grid) -> list[tuple[int, int, tuple[int, int, int, int]]]:
    """(band, column, box) of every cell: a band crossed by no inner line is one cell, in
    the first column (a process level)."""
    boxes = []
    for band, (top, bottom, crossing) in enumerate(grid.bands):
        edges = crossing if len(crossing) > 2 else [grid.columns[0], grid.columns[-1]]
        for left, right in zip(edges, edges[1:]):
            box = (round(left) + INSET, round(top) + INSET, round(right) - INSET,
                   round(bottom) - INSET)
            if box[2] - box[0] > 2 * INSET and box[3] - box[1] > 2 * INSET:
                boxes.append((band, column_of(left + 1, grid.columns), box))
    return boxes


def crop(image: np.ndarray, box) -> np.ndarray:
    left, top, right, bottom = box
    return image[top:bottom, left:right]


def outside_region(image: np.ndarray, grid: Grid | None) -> np.ndarray:
    """The page with the table whited out: its titles and footer."""
    if grid is None:
        return image
    outside = image.copy()
    outside[int(grid.top):int(grid.bottom) + 1, :] = 255
    return outside


def cell_image(file: InputFile, page: ScanPage, box: tuple[int, int, int, int]) -> bytes:
    """A cell as it was read (its page rendered and straightened the same way, a margin
    around it), as PNG: the staff check what OCR read against the scan itself."""
    document = pypdfium2.PdfDocument(file.data)
    try:
        grey = render(document, threading.Lock(), page.number - 1)
    finally:
        document.close()
    straight = turned(grey, page.angle)
    left, top, right, bottom = box
    height, width = straight.shape
    part = straight[max(0, top - CROP_MARGIN):min(height, bottom + CROP_MARGIN),
                    max(0, left - CROP_MARGIN):min(width, right + CROP_MARGIN)]
    return cv2.imencode(".png", part)[1].tobytes()


# --- Tesseract --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """The words of Tesseract's Spanish dictionary, taken out of its data (spa.traineddata)
    with Tesseract's own tools (combine_tessdata, dawg2wordlist, Debian's `tesseract-ocr`):
    about 180,000 words, read in a quarter of a second once per process. Empty when they
    cannot be read: every short word is then doubtful (metas.importer.scanned)."""
    try:
        with tempfile.TemporaryDirectory(prefix="metas-dictionary-") as folder:
            base = os.path.join(folder, LANGUAGE)
            traineddata = os.path.join(tessdata_folder(), f"{LANGUAGE}.traineddata")
            run_tool("combine_tessdata", "-e", traineddata, f"{base}.lstm-word-dawg",
                     f"{base}.lstm-unicharset")
            run_tool("dawg2wordlist", f"{base}.lstm-unicharset", f"{base}.lstm-word-dawg",
                     f"{base}.words")
            with open(f"{base}.words", encoding="utf-8") as words:
                return frozenset(line.strip() for line in words if line.strip())
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError) as error:
        logger.warning("Tesseract's Spanish dictionary cannot be read: %s", error)
        return frozenset()


def tessdata_folder() -> str:
    """Where Tesseract keeps its language data, as `tesseract --list-langs` says."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    listed = subprocess.run([pytesseract.pytesseract.tesseract_cmd, "--list-langs"],
                            capture_output=True, text=True, timeout=30, check=True)
    found = re.search(r'"([^"]+)"', listed.stdout + listed.stderr)
    if found is None:
        raise OSError("tesseract --list-langs names no folder")
    return found[1]


def run_tool(name: str, *arguments: str) -> None:
    """One of Tesseract's tools, found beside it."""
    folder = os.path.dirname(shutil.which(pytesseract.pytesseract.tesseract_cmd) or "")
    tool = os.path.join(folder, name) if folder else name
    subprocess.run([tool, *arguments], capture_output=True, timeout=60, check=True)


def read_words(frames: list[np.ndarray], psm: int, options: str = "") -> list[list[Word]]:
    """The words Tesseract reads in each image, all read in one run (a multi-page TIFF)."""
    with tempfile.TemporaryDirectory(prefix="metas-ocr-") as folder:
        path = os.path.join(folder, "frames.tif")
        images = [Image.fromarray(frame) for frame in frames]
        images[0].save(path, save_all=True, append_images=images[1:], dpi=(RENDER_DPI,) * 2)
        data = pytesseract.image_to_data(
            path, lang=LANGUAGE, config=f"--psm {psm} {options}",
            output_type=pytesseract.Output.DICT, timeout=TESSERACT_SECONDS,
        )
    words: list[list[Word]] = [[] for _frame in frames]
    for index, text in enumerate(data["text"]):
        confidence = float(data["conf"][index])
        if confidence < 0 or not text.strip():
            continue
        left, top = data["left"][index], data["top"][index]
        words[data["page_num"][index] - 1].append(Word(
            text.strip(), round(confidence), left, top,
            left + data["width"][index], top + data["height"][index],
            (data["block_num"][index], data["par_num"][index], data["line_num"][index]),
        ))
    return words


def reread_numbers(image: np.ndarray, grid: Grid, boxes, words: list[list[Word]]) -> None:
    """A unit's code ("6.1", "16") is a few small characters alone in a narrow cell, where
    Tesseract takes the dot for a comma or a colon: the cells of a column that holds nothing
    but numbers are read again as digits and dots only. Where both readings agree, the
    higher confidence is the cell's; where they differ, the second reading is kept with the
    lower one."""
    by_column: dict[int, list[int]] = {}
    for index, (band, column, _box) in enumerate(boxes):
        if len(grid.bands[band][2]) > 2 and words[index]:
            by_column.setdefault(column, []).append(index)
    again = []
    for indexes in by_column.values():
        numbers = [i for i in indexes if NUMBER_LIKE.fullmatch(cell_of(words[i]).text)]
        if len(numbers) >= NUMBER_COLUMN_SHARE * len(indexes):
            again += numbers
    if not again:
        return
    read = read_words([crop(image, boxes[i][2]) for i in again], NUMBER_PSM,
                     f"-c tessedit_char_whitelist={NUMBER_CHARACTERS}")
    for index, number_words in zip(again, read):
        if not number_words:
            continue
        first, second = cell_of(words[index]), cell_of(number_words)
        agree = first.text == second.text
        confidence = (max if agree else min)(first.confidence, second.confidence)
        words[index] = [replace(word, confidence=confidence) for word in number_words]


def cell_of(words: list[Word], box=None) -> ScanCell:
    text = " ".join(word.text for word in words)
    confidence = min((word.confidence for word in words), default=None)
    return ScanCell(text, confidence, box, [word_read(word) for word in words])


def word_read(word: Word) -> tuple[str, int, bool]:
    """A word as a ScanCell keeps it: its text, confidence, and whether it is a number or a
    word of Tesseract's Spanish dictionary, as written or in small letters ("Etapa"), or
    capitalised when written in capitals ("LOJA"); not a name's capital made small ("lera"
    is not "Lera")."""
    core = word_core(word.text)
    forms = {core, core.lower()} | ({core.capitalize()} if core.isupper() else set())
    known = bool(core) and (NUMBER.fullmatch(core) is not None
                            or any(form in dictionary() for form in forms))
    return word.text, word.confidence, known


# --- Rows -------------------------------------------------------------------------------------

def table_rows(grid: Grid, boxes, words: list[list[Word]]) -> list[ScanRow]:
    """A row per band; a band that spans the table (a process level, or the page titles
    printed inside it) gives a row per line, its text in the first column."""
    width = len(grid.columns) - 1
    rows: dict[int, ScanRow] = {}
    spanning = []
    for (band, column, box), cell_words in zip(boxes, words):
        if len(grid.bands[band][2]) <= 2:
            spanning += spanning_rows(box, cell_words, width)
            continue
        row = rows.setdefault(band, ScanRow(
            round(grid.bands[band][0]), [ScanCell("") for _ in range(width)], in_table=True))
        row.cells[min(column, width - 1)] = cell_of(cell_words, box)
    return list(rows.values()) + spanning


def spanning_rows(box, words: list[Word], width: int) -> list[ScanRow]:
    lines: dict[tuple, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    rows = []
    for line in lines.values():
        top = box[1] + min(word.top for word in line)
        line_box = (box[0], top, box[2], box[1] + max(word.bottom for word in line))
        cells = [cell_of(line, line_box)] + [ScanCell("") for _ in range(width - 1)]
        rows.append(ScanRow(top, cells, in_table=True))
    return rows


def outside_rows(words: list[Word], grid: Grid | None) -> list[ScanRow]:
    """The text outside the table in rows and columns (the table's columns)."""
    if not words:
        return []
    columns = grid.columns[:-1] if grid else [0.0]
    blocks = blocks_of(fragments_of(words))
    rows = []
    for row in rows_of_blocks(blocks, columns, 0):
        cells = []
        for column, text in enumerate(row.cells):
            box = row.boxes[column]
            inside = [word for word in words if box and inside_box(word, box)]
            cells.append(ScanCell(text, min((w.confidence for w in inside), default=None),
                                  tuple(round(value) for value in box) if box else None,
                                  [word_read(w) for w in inside]))
        rows.append(ScanRow(round(row.top), cells, in_table=False))
    return rows


def inside_box(word: Word, box) -> bool:
    x, y = (word.left + word.right) / 2, (word.top + word.bottom) / 2
    return box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1


def fragments_of(words: list[Word]) -> list[list[Word]]:
    """Tesseract's lines cut where words are far apart: the text of one cell's line."""
    fragments: list[list[Word]] = []
    line = None
    for word in words:
        height = word.bottom - word.top
        last = fragments[-1][-1] if fragments else None
        if word.line == line and last is not None \
                and word.left - last.right <= max(height, last.bottom - last.top) * WORD_GAP:
            fragments[-1].append(word)
        else:
            fragments.append([word])
        line = word.line
    return sorted(fragments, key=lambda fragment: (fragment[0].top, fragment[0].left))


def blocks_of(fragments: list[list[Word]]) -> list[Block]:
    """Each fragment a cell of its own: on paper, the lines of a title or a footer are one
    row each, and no nearer one another than a cell's wrapped lines."""
    return [
        Block(fragment[0].left, min(word.top for word in fragment),
              max(word.bottom for word in fragment), max(word.right for word in fragment),
              [" ".join(word.text for word in fragment)], [fragment[0].top])
        for fragment in fragments
    ]


def assemble(file: InputFile, pages: list[tuple[ScanPage, list[float] | None]],
             total: int) -> Scan:
    """The pages as one table: each page's columns checked against the report's, the pages
    before the table's first left out, the titles and header repeated at the top of a page
    written as on the first, text outside the table that is neither left out, a row cut by a
    page break joined."""
    rows_so_far: list[ScanRow] = []
    columns = top_rows = None
    kept = []
    for page, page_columns in pages:
        if page_columns is not None:
            if columns is not None and len(page_columns) != len(columns):
                raise Unreadable(Problem(file.name, _(
                    "The table on this page has %(found)s columns and the report's has "
                    "%(expected)s: the page cannot be read as part of the report."
                ) % {"found": len(page_columns) - 1, "expected": len(columns) - 1},
                    page=page.number))
            columns = page_columns
        elif columns is None:
            continue  # before the report's table (a cover page)
        if top_rows is None:
            top_rows = page_top(page.rows)
            repeat_page_top(top_rows, page.rows[len(top_rows):])
        else:
            repeat_page_top(top_rows, page.rows)
        leave_out_stray_text(page, top_rows)
        join_cut_row(rows_so_far, page.rows)
        rows_so_far += page.rows
        kept.append(page)
    if columns is None:
        raise Unreadable(Problem(file.name, _(
            "No table was recognised in this scanned PDF: it is not a report of goals and "
            "objectives, or the scan is too faint. Scan the printed report again (its table "
            "with its lines), or upload the report's spreadsheet."
        )))
    return Scan(kept, total, RENDER_DPI)


def page_top(rows: list[ScanRow]) -> list[ScanRow]:
    """The titles and the header at the top of the table's first page."""
    for index, row in enumerate(rows):
        if row.in_table:
            return rows[:index + 1]
    return rows


def repeat_page_top(top_rows: list[ScanRow], rows: list[ScanRow]) -> None:
    """The titles and header the report repeats (at the top of each page, or inside the
    table), which OCR reads a little differently each time, written as on the first page:
    the matrix reader recognises them by their exact text (the confidences stay these)."""
    texts = [row_text(top) for top in top_rows]
    for row in rows:
        text = row_text(row)
        for first, first_text in zip(top_rows, texts):
            if similar(text, first_text):
                for cell, first_cell in zip(row.cells, first.cells):
                    cell.text = first_cell.text
                break


def leave_out_stray_text(page: ScanPage, top_rows: list[ScanRow]) -> None:
    """Text outside the table is a title (at the top) or a footer label with its value (at
    the bottom). Anything else (a stamp, a page number, footer lines printed over each
    other and read as nothing) would look like a process level or a goal to the matrix
    reader: it is kept apart, for the preview to show."""
    titles = [row_text(row) for row in top_rows]
    first_table_row = next((row.top for row in page.rows if row.in_table), None)
    kept = []
    for row in page.rows:
        above = first_table_row is not None and row.top < first_table_row
        if row.in_table or (above and row_text(row) in titles) or (
                not above and metadata_field(row.cells[0].text) is not None):
            kept.append(row)
        else:
            page.left_out.append(row)
    page.rows = kept


def row_text(row: ScanRow) -> str:
    return " | ".join(cell.text for cell in row.cells).casefold()


def similar(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= REPEAT_SIMILARITY \
        and matcher.quick_ratio() >= REPEAT_SIMILARITY and matcher.ratio() >= REPEAT_SIMILARITY


def join_cut_row(rows: list[ScanRow], page_rows: list[ScanRow]) -> None:
    """A row the page break cut in two (metas.importer.pdf.join_split_row), its cells'
    confidences the lower of the two parts'."""
    previous = rows[-1] if rows else None
    if previous is None or not previous.in_table or not previous.cells[0].text:
        return
    for row in page_rows:
        texts = [cell.text for cell in row.cells]
        if not row.in_table or is_header(texts):
            continue
        if texts[0] == "" and any(texts[1:]) and not all(texts[1:]):
            for cell, more in zip(previous.cells, row.cells):
                cell.text = f"{cell.text} {more.text}".strip()
                known = [c for c in (cell.confidence, more.confidence) if c is not None]
                cell.confidence = min(known) if known else None
                cell.words = cell.words + more.words
            page_rows.remove(row)
        return
