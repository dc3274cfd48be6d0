"""What the preview shows of a scanned report: the goals OCR read with a cell marked for
review (metas.importer.scanned.review), each cell with what OCR read, its confidence and the
address of its image (scans.staff_scan_cell)."""
from __future__ import annotations

from django.urls import reverse

from ..importer.scanned import FIELDS


def review_context(pending, parsed) -> dict:
    """The goals OCR read with a cell marked for review, each cell with its image, what OCR
    read and its confidence, in the report's order."""
    scans = {entry["name"]: number for number, entry in enumerate(pending.files, start=1)
             if entry.get("scan")}
    labels = {f.source.name: f.columns for f in parsed.files}
    goals = []
    for goal in parsed.goals:
        if not goal.ocr or goal.file not in scans or not (goal.ocr["review"] or
                                                          goal.ocr["corrected"]):
            continue
        cells = []
        for field in FIELDS:
            if field not in goal.ocr["review"] and field not in goal.ocr["corrected"]:
                continue
            key = (scans[goal.file], goal.page, goal.line, goal.ocr["column"][field])
            cells.append({
                "label": labels[goal.file].get(field, field),
                "text": getattr(goal, field),
                "confidence": goal.ocr["confidence"].get(field),
                "corrected": field in goal.ocr["corrected"],
                "name": "c-%s-%s-%s-%s" % key,
                "image": reverse("metas:staff-scan-cell", args=[pending.pk, *key]),
            })
        goals.append({"goal": goal, "cells": cells})
    return {"scanned": bool(scans), "to_review": goals}
