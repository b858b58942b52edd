"""The complete record as a printable PDF (fpdf2): what a recipient or the client's file gets on paper.

Sections follow the JSON export: client and case, plan with goals and tasks, consents, every
signed entry (a correction printed under the entry it corrects), the work on the case and the
audit summary. Text is set in DejaVu Sans when the system has it (any language a client writes
in); otherwise in a core font, with characters it lacks replaced.
"""
from __future__ import annotations

import json
from pathlib import Path

from fpdf import FPDF

_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
          Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))


class _Document(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        font = next((f for f in _FONTS if f.exists()), None)
        if font is not None:
            self.add_font("body", "", str(font))
            bold = font.with_name("DejaVuSans-Bold.ttf")
            self.add_font("body", "B", str(bold if bold.exists() else font))
            self.family, self.unicode = "body", True
        else:
            self.family, self.unicode = "helvetica", False
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 18, 18)

    def clean(self, text) -> str:
        text = "" if text is None else str(text)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 6, self.clean(f"{self.footer_text} · page {self.page_no()}"), align="C")

    def heading(self, text: str):
        self.ln(3)
        self.set_font(self.family, "B", 13)
        self.multi_cell(0, 7, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 10)

    def line_of(self, label: str, value) -> None:
        self.set_font(self.family, "", 10)
        self.multi_cell(0, 5.5, self.clean(f"{label}: {value if value not in (None, '') else '—'}"),
                        new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text, size: int = 10) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 5, self.clean(text), new_x="LMARGIN", new_y="NEXT")


def _answers(data) -> str:
    """A signed entry's answers, as indented text (forms differ; every answer is printed)."""
    return json.dumps(data, indent=1, ensure_ascii=False, default=str)[:20_000]


def render(record: dict) -> bytes:
    client, case = record["client"], record["case"]
    name = f"{client['first_name']} {client['last_name']}"
    pdf = _Document(f"Case {case['id']} · {name} · exported {record['exported_at']}"
                    + (f" to {record['recipient']}" if record.get("recipient") else ""))
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 16)
    pdf.multi_cell(0, 9, pdf.clean(f"Case record: {name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    pdf.paragraph("Confidential. Released under the consent named below; do not disclose further "
                  "without the client's written consent." if record.get("recipient") else
                  "Confidential: the agency's complete record of this case.", 9)

    pdf.heading("Client and case")
    for label, value in (("Born", client.get("birth_date")), ("Preferred language", client.get("preferred_language")),
                         ("Case", case["id"]), ("Program", case.get("program")), ("Stage", case["stage"]),
                         ("Opened", case["opened_at"]), ("Closed", case.get("closed_at")),
                         ("Case manager", case.get("case_manager")), ("Supervisor", case.get("supervisor")),
                         ("Acuity", case.get("acuity"))):
        pdf.line_of(label, value)

    pdf.heading("Service plan")
    plan = record.get("plan")
    if plan is None:
        pdf.paragraph("No service plan.")
    else:
        pdf.paragraph(f"{plan['status'].capitalize()}; signed by {plan['author']} on {plan['signed_at']}.")
        for number, goal in enumerate(record["goals"], 1):
            pdf.line_of(f"Goal {number}", f"{goal.get('goal')} — measure: {goal.get('measure')}; target "
                                          f"{goal.get('target_date')}; outcome: {goal.get('outcome') or 'open'}")
        for task in record["tasks"]:
            pdf.line_of("Task", f"{task.get('task')} — {task.get('responsible')}"
                                + (f", {task['when']}" if task.get("when") else ""))

    pdf.heading("Consents (releases of information)")
    if not record["consents"]:
        pdf.paragraph("None on file.")
    for release in record["consents"]:
        pdf.line_of(release.get("recipient", "?"), f"{release.get('information')} for {release.get('purpose')}; "
                    f"signed {release.get('signed_on')} by {release.get('signed_by')}, expires "
                    f"{release.get('expires_on')} ({release.get('status')})")

    pdf.heading("Signed record")
    by_id = {e["id"]: e for e in record["entries"]}
    for entry in record["entries"]:
        if entry.get("corrects") in by_id:
            continue  # printed under the entry it corrects
        _entry(pdf, entry)
        follow = entry.get("corrected_by")
        while follow in by_id:
            pdf.set_x(pdf.l_margin + 6)
            _entry(pdf, by_id[follow], correction=True)
            follow = by_id[follow].get("corrected_by")

    pdf.heading("Audit summary")
    audit = record["audit"]
    pdf.paragraph(f"{audit['events']} events from {audit['first_at']} to {audit['last_at']}.")
    pdf.paragraph("Read by: " + (", ".join(audit["readers"]) or "no one"))
    for disclosure in audit["disclosures"]:
        pdf.paragraph(f"Released {disclosure['at']} by {disclosure['by']} to {disclosure['to'] or 'the agency'} "
                      f"({disclosure['format']})")
    return bytes(pdf.output())


def _entry(pdf: _Document, entry: dict, correction: bool = False) -> None:
    pdf.set_font(pdf.family, "B", 10)
    prefix = "Correction — " if correction else ""
    pdf.multi_cell(0, 5.5, pdf.clean(f"{prefix}{entry['title']} · {entry['kind']} · signed by {entry['author']} "
                                     f"{entry['signed_at']}"), new_x="LMARGIN", new_y="NEXT")
    if entry.get("corrected_by"):
        pdf.paragraph(f"Corrected by entry {entry['corrected_by']}", 8)
    pdf.paragraph(_answers(entry.get("data")), 8)
