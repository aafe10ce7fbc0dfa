"""Copy and export (issue 12, part 4): the selection to the clipboard (OSC 52), a flow to a Markdown file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

from sumtrace.flows.model import Flow
from sumtrace.flows.report import flow_markdown, report_markdown
from sumtrace.tui.export import export_name, record_text, timeline_text
from sumtrace.tui.logindex import R_FILE, R_MSG
from sumtrace.tui.widgets import LogView
from tests.test_tui_app import loaded, no_user_keymap, settle

__all__ = ["no_user_keymap"]


async def test_c_copies_the_log_record_under_the_cursor() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("2", "g", "down", "down")
        lv = app.query_one("#logview", LogView)
        rec = lv.entry
        assert rec is not None
        await pilot.press("c")
        assert app.clipboard == record_text(rec, app.state.hosts.get(rec[R_FILE], ""))
        assert rec[R_MSG].splitlines()[0] in app.clipboard and f":{rec[1]}" in app.clipboard


async def test_c_on_the_steps_copies_the_step_and_its_evidence_and_C_the_flow() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        step = app.step()
        flow = app.flow()
        assert flow is not None and step is not None and step.key == "wua_search"
        await pilot.press("c")
        text = app.clipboard
        assert "WUA searches WSUS" in text and "0x80244017 WU_E_PT_HTTP_STATUS_DENIED" in text
        assert "next: WSUS answered 401/403" in text
        assert f"evidence ({len(step.evidence)} records):" in text
        assert len(text.splitlines()) == 4 + 1 + len(step.evidence)  # flow, step, error, hint, header, records
        await pilot.press("C")
        assert app.clipboard == timeline_text(flow, app.state.now)
        lines = app.clipboard.splitlines()
        assert lines[0].startswith(f"✗ scan {flow.label.split()[-1]} on client · failed · started 2014-01-20")
        assert any("Update states recorded" in ln and "not reached" in ln for ln in lines)
        await pilot.press("left", "c")  # on the Flows pane: the flow
        assert app.clipboard == timeline_text(flow, app.state.now)


async def test_copied_log_text_cannot_carry_an_escape_sequence() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        rec = app.state.log_index.items[0][2]
        hostile = (*rec[:10], "evil \x1b]52;c;AAAA\x07 and \x1b[2J")
        text = record_text(hostile, "")  # type: ignore[arg-type]
        assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text


async def test_w_exports_the_flow_as_the_reports_markdown_never_over_a_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMTRACE_EXPORT_DIR", str(tmp_path))
    app = loaded("wsus-401")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        flow = app.flow()
        assert flow is not None
        await pilot.press("w", "w")
        first = tmp_path / export_name(flow)
        second = tmp_path / export_name(flow).replace(".md", "-2.md")
        assert first.is_file() and second.is_file()
        text = first.read_text(encoding="utf-8")
        assert text == second.read_text(encoding="utf-8")
        section = flow_markdown(flow)
        assert text == "# sumtrace report\n\n" + section
        # exactly what `report --markdown` prints for that flow
        assert section in report_markdown(list(app.flows), list(app.tracker.updates), [])
        assert "**0x80244017 WU\\_E\\_PT\\_HTTP\\_STATUS\\_DENIED**" in text and "**Next (wua\\_search):**" in text
        notes = [m.notification.message for m in messages if isinstance(m, Notify) and m.notification.title == "Export"]
        assert len(notes) == 2 and str(first.resolve()) in notes[0] and str(second.resolve()) in notes[1]


async def test_an_export_that_cannot_be_written_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMTRACE_EXPORT_DIR", str(tmp_path / "no" / "such" / "folder"))
    app = loaded("wsus-401")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        await pilot.press("w")
        notes = [m.notification for m in messages if isinstance(m, Notify) and m.notification.title == "Export"]
        assert len(notes) == 1 and notes[0].severity == "error" and "Could not write" in notes[0].message


@pytest.mark.parametrize(("flow_id", "name"), [
    ("scan-client-20140120T191205Z", "sumtrace-scan-client-20140120T191205Z.md"),
    ("../../etc/passwd", "sumtrace-etc_passwd.md"),
    ("a b\\c:d*e?f\x1b", "sumtrace-a_b_c_d_e_f.md"),
    ("...", "sumtrace-flow.md"),
])
def test_export_names_are_safe(flow_id: str, name: str) -> None:
    assert export_name(Flow(kind="scan", host="h", id=flow_id)) == name


async def test_c_in_the_lookup_copies_the_result() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("5", "escape", "c")
        assert "0x80244017" in app.clipboard and "WU_E_PT_HTTP_STATUS_DENIED" in app.clipboard
