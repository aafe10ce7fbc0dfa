"""Copy and export: the plain text the clipboard gets, and the Markdown file a flow is written to.

No Textual here: the app hands the text to ``App.copy_to_clipboard`` (OSC 52, so it reaches the
admin's own clipboard over SSH) and says where a file went. Everything that came from a log goes
through :func:`sumtrace.flows.escape.printable`: a pasted record must not carry an escape sequence
into the next terminal. The Markdown is :func:`sumtrace.flows.report.flow_markdown`, the very
section ``report --markdown`` prints for the flow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from sumtrace.flows.escape import printable
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.report import MARKDOWN_TITLE, flow_markdown, title
from sumtrace.tui.logindex import (
    R_COMP,
    R_FILE,
    R_LINE,
    R_LOCAL,
    R_MSG,
    R_SEV,
    R_THREAD,
    R_TSRC,
    R_UTC,
    Rec,
    as_record,
    base_of,
)
from sumtrace.tui.render import fmt_duration, glyph, host_label, overdue, shown_status

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _stamp(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if dt is not None else ""


def record_text(rec: Rec, host: str = "") -> str:
    """One record as a line for a ticket: time, where it comes from, component, severity, message."""
    if rec[R_TSRC] == "assumed-local" or rec[R_UTC] is None:
        when = f"{_stamp(rec[R_LOCAL])} local (zone unknown)" if rec[R_LOCAL] is not None else "(no time)"
    else:
        when = f"{_stamp(rec[R_UTC])}Z"
        if rec[R_LOCAL] is not None:
            when += f" (local {rec[R_LOCAL]:%H:%M:%S})"
    where = f"{host}/" if host else ""
    where += f"{base_of(rec[R_FILE])}:{rec[R_LINE]}"
    parts = [when, where]
    if rec[R_COMP]:
        parts.append(rec[R_COMP])
    if rec[R_THREAD] is not None:
        parts.append(f"thread {rec[R_THREAD]}")
    if rec[R_SEV] in ("error", "warning"):
        parts.append(rec[R_SEV])
    return printable("  ".join(parts) + "  " + rec[R_MSG])


def _step_lines(flow: Flow, st: Step, now: datetime) -> list[str]:
    status = shown_status(flow, st)
    zone = "Z" if flow.zone_known else " local (zone unknown)"
    line = f"{glyph(status)} {st.title:<24} {status:<11}"
    if st.at is not None:
        line += f" {st.at:%H:%M:%S}{zone}"
    took = fmt_duration(st.duration)
    if took:
        line += f" took {took}"
    details = [d for d in (overdue(st, now), st.detail) if d]
    if details:
        line += "  " + " · ".join(details)
    out = [line.rstrip()]
    if st.error is not None:
        out.append(f"    {st.error.hex} {st.error.name}: {st.error.meaning}")
    if st.hint and st.status in ("failed", "stalled", "warning"):
        out.append(f"    next: {st.hint}")
    return out


def _flow_head(flow: Flow, now: datetime) -> str:
    started = ""
    if flow.started is not None:
        started = f" · started {flow.started:%Y-%m-%d %H:%M:%S}{'Z' if flow.zone_known else ' local (zone unknown)'}"
    end = flow.ended if flow.status not in ("running", "stalled") and flow.ended is not None else now
    took = fmt_duration(max(end - flow.started, timedelta(0))) if flow.started is not None else ""
    return f"{glyph(flow.status)} {title(flow)} on {host_label(flow)} · {flow.status}{started}" + (
        f" · {took}" if took else "")


def timeline_text(flow: Flow, now: datetime) -> str:
    """A whole flow as text: its head line, then every step with its status, time, error and hint."""
    lines = [_flow_head(flow, now)]
    for st in flow.steps:
        lines.extend(_step_lines(flow, st, now))
    return printable("\n".join(lines))


def step_text(flow: Flow, step: Step, now: datetime, hosts: Mapping[str, str]) -> str:
    """A step and its evidence: the flow it belongs to, the step's line, then its records in UTC order."""
    lines = [_flow_head(flow, now), *_step_lines(flow, step, now)]
    records = sorted((as_record(e) for e in step.evidence),
                     key=lambda r: (r[R_UTC] is None, _stamp(r[R_UTC]), r[R_FILE], r[R_LINE]))
    if records:
        lines.append(f"evidence ({len(records)} record{'s' if len(records) != 1 else ''}):")
        lines.extend(record_text(r, hosts.get(r[R_FILE], "")) for r in records)
    return printable("\n".join(lines))


def export_name(flow: Flow) -> str:
    """``sumtrace-<flow id>.md`` with every character a file system or a shell could trip on replaced."""
    safe = _UNSAFE.sub("_", flow.id).strip("._") or "flow"
    return f"sumtrace-{safe[:80]}.md"


def export_markdown(flow: Flow) -> str:
    """The file's text: the report's title and the flow's section, as ``report --markdown`` prints them."""
    return f"{MARKDOWN_TITLE}\n\n{flow_markdown(flow)}"


def write_export(flow: Flow, directory: Path) -> Path:
    """Write the flow's Markdown into ``directory`` under :func:`export_name`, never over an existing
    file (``-2``, ``-3``... instead); returns the path written. OSError when it cannot be written."""
    base = export_name(flow)
    stem = base.removesuffix(".md")
    for n in range(1, 1000):
        path = directory / (base if n == 1 else f"{stem}-{n}.md")
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as fh:
                fh.write(export_markdown(flow))
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory / base} and 998 numbered copies exist")
