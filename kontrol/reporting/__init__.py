"""The annual execution report (roadmap item 6.3) and the pictures of the plan.

``figures`` computes (from the database, as of a date), the other modules only present:
``xlsx`` (workbook), ``html`` (printable page), ``markdown`` (Prefect artifact), ``charts``
(workload and saving, matplotlib) with ``timeline`` (the roadmap's timeline), ``mailing`` (the
outbox rows). Files are written whole or
not at all (``files``).
"""

from kontrol.reporting.figures import (
    DISCIPLINE_FORMULA,
    Counts,
    NothingIssued,
    Report,
    execution_report,
    range_label,
    year_range,
)
from kontrol.reporting.html import render_html, write_html
from kontrol.reporting.mailing import enqueue_report
from kontrol.reporting.markdown import markdown_report
from kontrol.reporting.xlsx import workbook_bytes, write_xlsx

__all__ = [
    "DISCIPLINE_FORMULA",
    "Counts",
    "NothingIssued",
    "Report",
    "enqueue_report",
    "execution_report",
    "markdown_report",
    "range_label",
    "render_html",
    "workbook_bytes",
    "write_html",
    "write_xlsx",
    "year_range",
]
