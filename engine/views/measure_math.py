"""The arithmetic of the reports: durations in days, median and 90th percentile, rates, and the
measures as CSV rows. Plain functions of plain values, so each is checked on numbers alone."""
from __future__ import annotations

import csv
import io
import math
import statistics
from datetime import datetime


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile: the smallest value at or above `percent` of the values.
    Always one of the values (a funder can find the case behind it); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def figure(value, case_ids=None) -> dict:
    """One number of a measure, with the cases behind it when it counts cases."""
    return {"value": value} if case_ids is None else {"value": value, "case_ids": sorted(case_ids)}


def duration_figure(days: dict[int, float]) -> dict:
    """Days per case -> how many cases, the median and the 90th percentile (one decimal)."""
    values = list(days.values())
    return {"cases": figure(len(values), days),
            "median_days": figure(round(statistics.median(values), 1) if values else None),
            "p90_days": figure(round(nearest_rank(values, 90), 1) if values else None)}


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def csv_text(report: dict) -> str:
    """One row per number: measure, part (and worker for caseloads), value and the cases behind it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "part", "value", "case_ids"])
    for name, parts in report["measures"].items():
        for part, cell in parts.items():
            writer.writerow([name, part, "" if cell["value"] is None else cell["value"],
                             " ".join(map(str, cell.get("case_ids", [])))])
    for row in report["caseload"]:
        for part in ("cases", "weighted", "high", "medium", "low", "unrated"):
            cell = row[part]
            writer.writerow(["caseload", f"{row['worker'] or 'unassigned'}: {part}", cell["value"],
                             " ".join(map(str, cell.get("case_ids", [])))])
    return out.getvalue()
