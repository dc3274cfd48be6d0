"""What the preview shows of a scanned report: the goals OCR read with a cell marked for
review (metas.importer.scanned.review) and the footer's values whose reading deserves a look,
each cell with what was read, its confidence and the address of its image
(scans.staff_scan_cell), for the staff to correct."""
from __future__ import annotations

from django.urls import reverse

from ..importer.scanned import FIELDS, doubtful_value, words_seen
from .pending import scan_of


def review_context(pending, parsed) -> dict:
    scans = {entry["name"]: (number, entry) for number, entry in
             enumerate(pending.files, start=1) if entry.get("scan")}
    return {
        "scanned": bool(scans),
        "to_review": goals_to_review(pending, parsed, scans),
        "footer_to_review": footer_to_review(pending, parsed, scans),
    }


def cell(pending, key, label, text, confidence, corrected) -> dict:
    """A cell to review; key: (file number, page, row, column)."""
    return {
        "label": label, "text": text, "confidence": confidence, "corrected": corrected,
        "name": "c-%s-%s-%s-%s" % key,
        "image": reverse("metas:staff-scan-cell", args=[pending.pk, *key]),
    }


def goals_to_review(pending, parsed, scans) -> list[dict]:
    """The goals OCR read with a cell marked for review (or corrected), in the report's
    order, each with those cells."""
    labels = {f.source.name: f.columns for f in parsed.files}
    goals = []
    for goal in parsed.goals:
        if not goal.ocr or goal.file not in scans:
            continue
        number = scans[goal.file][0]
        cells = [
            cell(pending, (number, goal.page, goal.line, goal.ocr["column"][field]),
                 labels[goal.file].get(field, field), getattr(goal, field),
                 goal.ocr["confidence"].get(field), field in goal.ocr["corrected"])
            for field in FIELDS
            if field in goal.ocr["review"] or field in goal.ocr["corrected"]
        ]
        if cells:
            goals.append({"goal": goal, "cells": cells})
    return goals


def footer_to_review(pending, parsed, scans) -> list[dict]:
    """The footer's values (update date, periodicity, responsible…) whose reading deserves a
    look (metas.importer.scanned.doubtful_value, the goal cells' rule), or the staff
    corrected: each beside its label, as the scan has it."""
    cells, read = [], {}  # read: file name -> (its Scan, the words seen in it)
    for name, row, page, _sheet in parsed.metadata.locations.values():
        if name not in scans or page is None:
            continue
        number, entry = scans[name]
        if name not in read:
            scan = scan_of(entry)
            read[name] = (scan, words_seen(scan))
        scan, seen = read[name]
        scan_page = scan.page(page)
        if scan_page is None or not 1 <= row <= len(scan_page.rows):
            continue
        label, *values = scan_page.rows[row - 1].cells
        for column, value in enumerate(values, start=1):
            corrected = (page, row, column) in scan.corrections
            if doubtful_value(value, seen) or (value.text and corrected):
                text = scan.corrections.get((page, row, column), value.text)
                cells.append(cell(pending, (number, page, row, column), label.text, text,
                                  value.confidence, corrected))
    return cells
