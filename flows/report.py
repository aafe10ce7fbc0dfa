"""Rendering flows for people (text, Markdown) and for scripts (one JSON document).

Plain text only: the CLI decides about colour. Every field that came from a log or a path (a host,
an update title, a step's detail, a file name) is escaped here, with the one function for each
output (:func:`sumtrace.flows.escape.one_line` for text, :func:`sumtrace.flows.escape.markdown` for
Markdown): a log cannot move the cursor, retitle the terminal, write the clipboard, reorder text
with bidi controls, forge a report line, or add a heading, a link or raw HTML to a document.
Times are shown in UTC and in the host's local time as its own logs wrote it. A flow whose host's
zone is unknown (``Flow.zone_known`` False: a WindowsUpdate.log with no log of the same machine
that carries its bias) has only local times: they are shown as ``local … (zone unknown)``, never
as UTC with a ``Z``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sumtrace.flows.escape import markdown as md
from sumtrace.flows.escape import one_line
from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.vocab import ALARMING, STATUS_LOOK
from sumtrace.parsers.entry import iso_local, iso_utc

# The one status table (flows/vocab.py), shared with the TUI.
GLYPH = {status: look.glyph for status, look in STATUS_LOOK.items()}
ASCII_GLYPH = {status: look.ascii for status, look in STATUS_LOOK.items()}


def title(flow: Flow) -> str:
    """``scan 046f6231``, ``policy v38``, ``WSUS sync (manual)``: the kind once, then what tells it apart."""
    label = flow.label or flow.id
    return label if label.lower().startswith(flow.kind.replace("_", " ")[:4].lower()) else f"{flow.kind} {label}"


def exit_code(flows: list[Flow]) -> int:
    """0 when every flow is fine, 1 when any failed or stalled."""
    return 1 if any(f.status in ALARMING for f in flows) else 0


def report_json(flows: list[Flow], updates: list[UpdateRow], files: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: list(values) for key, values in report_json_items(flows, updates, files)}


def report_json_items(flows: list[Flow], updates: list[UpdateRow],
                      files: list[dict[str, Any]]) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
    """The keys of :func:`report_json` in order, each with its objects made one at a time, so a writer
    can stream the document (``report --json``) without holding every flow's JSON at once."""
    yield "flows", (f.to_json() for f in flows)
    yield "updates", (u.to_json() for u in updates)
    yield "files", iter(files)


def fmt_duration(d: timedelta | None) -> str:
    if d is None:
        return ""
    secs = int(d.total_seconds())
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m{secs % 60:02d}s"
    return f"{secs // 3600}h{(secs % 3600) // 60:02d}m"


def local_of(step: Step) -> datetime | None:
    """The step's first record's time as its own log wrote it."""
    return step.evidence[0].local if step.evidence else None


ZONE_UNKNOWN = "zone unknown"


def local_unknown(value: datetime | None) -> str:
    """``local 2022-06-29 17:29:33 (zone unknown)``: a time of a host whose zone is unknown."""
    if value is None:
        return ""
    return f"local {value:%Y-%m-%d %H:%M:%S} ({ZONE_UNKNOWN})"


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def report_text(flows: list[Flow], updates: list[UpdateRow], files: list[dict[str, Any]], *,
                glyphs: dict[str, str] | None = None, style: Callable[[str, str], str] | None = None) -> str:
    g = glyphs or GLYPH
    paint = style or (lambda status, text: text)
    out: list[str] = []
    hosts: dict[str, list[Flow]] = {}
    for f in flows:
        hosts.setdefault(f.host, []).append(f)
    for host, hflows in hosts.items():
        out.append(f"== {one_line(host)} ==")
        for flow in hflows:
            if flow.zone_known:
                started = iso_utc(flow.started) or "?"
            else:
                started = local_unknown(flow.started) or f"? ({ZONE_UNKNOWN})"
            out.append(paint(flow.status, f"{g.get(flow.status, '?')} {one_line(title(flow))}  "
                                          f"[{flow.status}]  started {started}"))
            ids = ", ".join(f"{k}={v}" for k, v in flow.ids.items() if v and k != "messages")
            if ids:
                out.append(f"    ids: {one_line(ids)}")
            for st in flow.steps:
                if flow.zone_known:
                    when = iso_utc(st.at) or ""
                    local = local_of(st)
                    loc = f" (local {local:%H:%M:%S})" if local else ""
                else:  # its times are the local times the logs wrote; no UTC is known
                    when, loc = local_unknown(st.at), ""
                dur = fmt_duration(st.duration)
                line = f"  {g.get(st.status, '?')} {st.key:<22} {st.status:<10} {when}{loc} {dur}".rstrip()
                if st.detail:
                    line += f"  {one_line(st.detail)}"
                out.append(paint(st.status, line))
                if st.error:
                    out.append(paint(st.status, f"      error {one_line(st.error.hex)} {one_line(st.error.name)}: "
                                               f"{one_line(st.error.meaning)}"))
                if st.hint and st.status in ("failed", "stalled", "warning"):
                    out.append(f"      next: {one_line(st.hint)}")
                if st.notes:
                    first = st.notes[0]
                    out.append(f"      notes: {len(st.notes)} error record(s) of other components in this step's window,"
                               f" not its verdict (first: {one_line(first.component)} {one_line(first.message[:80])})")
        host_updates = [u for u in updates if u.host == host]
        if host_updates:
            out.append("  updates:")
            for u in host_updates:
                out.append(f"    {one_line(u.kb or '-'):<10} {one_line(u.state):<9} recorded={_yes_no(u.recorded)} "
                           f"forwarded={_yes_no(u.forwarded)} processed={_yes_no(u.processed)}  "
                           f"{one_line(u.title or u.update_id)}")
        out.append("")
    if not flows:
        out.append("No scan, policy or WSUS sync activity found in these logs.")
        out.append("")
    out.append("files:")
    for fi in files:
        out.append(f"  {one_line(str(fi['path']))}  {one_line(str(fi['format']))}  {fi['entries']} entries, "
                   f"{fi['unparsed']} unparsed, {one_line(str(fi['encoding']))}")
    return "\n".join(out)


MARKDOWN_TITLE = "# sumtrace report"


def flow_markdown(flow: Flow) -> str:
    """One flow's section of :func:`report_markdown` (the TUI exports a flow with it, word for word)."""
    out: list[str] = [f"## {md(flow.host)}: {md(title(flow))} — {flow.status}", ""]
    if not flow.zone_known:
        out.append(f"Times are the host's local times ({ZONE_UNKNOWN}: no log of this machine gives its bias).")
        out.append("")
    out.append(f"| step | status | {'UTC' if flow.zone_known else 'local (zone unknown)'} | duration | detail |")
    out.append("|---|---|---|---|---|")
    for st in flow.steps:
        detail = md(st.detail)
        if st.error:
            detail += f" **{md(st.error.hex)} {md(st.error.name)}**"
        when = iso_utc(st.at) if flow.zone_known else iso_local(st.at)
        out.append(f"| {md(st.key)} | {GLYPH.get(st.status, '')} {st.status} | {when or ''} | "
                   f"{fmt_duration(st.duration)} | {detail} |")
    for st in flow.steps:
        if st.hint and st.status in ("failed", "stalled", "warning"):
            out.append("")
            out.append(f"**Next ({md(st.key)}):** {md(st.hint)}")
    out.append("")
    return "\n".join(out) + "\n"


def report_markdown(flows: list[Flow], updates: list[UpdateRow], files: list[dict[str, Any]]) -> str:
    out: list[str] = [MARKDOWN_TITLE, ""]
    for flow in flows:
        out.append(flow_markdown(flow).removesuffix("\n"))
    if updates:
        out.append("## Updates")
        out.append("")
        out.append("| host | KB | state | recorded | forwarded | processed | title |")
        out.append("|---|---|---|---|---|---|---|")
        for u in updates:
            out.append(f"| {md(u.host)} | {md(u.kb)} | {md(u.state)} | {_md_bool(u.recorded)} | {_md_bool(u.forwarded)} | "
                       f"{_md_bool(u.processed)} | "
                       f"{md(u.title)} |")
        out.append("")
    out.append("## Files")
    out.append("")
    for fi in files:
        out.append(f"- {md(str(fi['path']))} {md(str(fi['format']))}, {fi['entries']} entries, "
                   f"{fi['unparsed']} unparsed, {md(str(fi['encoding']))}")
    return "\n".join(out) + "\n"


def _md_bool(value: bool | None) -> str:
    return "unknown" if value is None else str(value)
