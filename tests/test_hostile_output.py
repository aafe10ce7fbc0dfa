"""Issue 13, injection: text from a log or a path reaches a terminal or a document inert.

Update titles, the NetBIOS name in a state message, step details, file and folder names are the
attacker's. In ``report`` text none of them may put a control or format character on the
terminal (OSC 52 clipboard writes, title changes, screen clears, bidi overrides) or forge a line;
in ``report --markdown`` none may add a heading, raw HTML, a link or a table row.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sumtrace.flows.errorcodes import ErrorInfo
from sumtrace.flows.escape import markdown, printable
from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.report import report_markdown, report_text
from sumtrace.parsers.stream import parse_bytes
from sumtrace.tui.cmd_report import collect
from tests.conftest import FIXTURES, ROOT, cm

UTC = timezone.utc
AT = datetime(2014, 1, 20, 17, 18, 3, tzinfo=UTC)

# What a terminal acts on: OSC 52 (clipboard), OSC 0 (title), CSI 2J (clear), a C1 CSI, BEL,
# CR, bidi override / isolate / mark, a zero-width joiner and a BOM.
ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x1b[2J\x9b31m\r\u202eevil\u2066\u200f\u061c\u200d\ufeff"
# What a Markdown renderer acts on, with a newline that would leave the table row.
MARKUP = ("\n# Injected\n<iframe src=//x></iframe><img src=x onerror=alert(1)>"
          "[click](javascript:alert(1)) <javascript:alert(2)> |cell| **b** `c`")
HOSTILE = ESCAPES + MARKUP


def _dangerous(ch: str) -> bool:
    return ch not in "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def dangerous(text: str) -> list[str]:
    return sorted({f"U+{ord(ch):04X}" for ch in text if _dangerous(ch)})


def _flow() -> Flow:
    note = parse_bytes("WUAHandler.log", (cm("note " + HOSTILE, comp="WUAHandler", typ="3") + "\r\n").encode())[0]
    step = Step("wua_search", "WUA search", status="failed", at=AT, ended=AT + timedelta(seconds=5),
                detail="detail " + HOSTILE,
                error=ErrorInfo(0x80240022, "NAME " + HOSTILE, "meaning " + HOSTILE, "wua"),
                hint="hint " + HOSTILE, notes=[note])
    return Flow("scan", "PC" + HOSTILE, "scan:x", status="failed", started=AT, ended=AT + timedelta(seconds=5),
                ids={"scan_job": "job" + HOSTILE}, steps=[step], label="scan " + HOSTILE, host_name="NB" + HOSTILE)


def _inputs() -> tuple[list[Flow], list[UpdateRow], list[dict[str, object]]]:
    flow = _flow()
    update = UpdateRow(flow.host, "id" + HOSTILE, kb="KB1" + HOSTILE, title="Title " + HOSTILE, state="missing")
    files = [{"path": "/logs/dir" + HOSTILE + "/WUAHandler.log", "format": "cmtrace", "entries": 1,
              "unparsed": 0, "encoding": "utf-8"}]
    return [flow], [update], files


def _markdown_is_inert(md: str, table_rows: int) -> None:
    assert "<iframe" not in md.lower() and "<img" not in md.lower()
    assert "](javascript:" not in md and "<javascript:" not in md
    headings = [line for line in md.split("\n") if line.startswith("#")]
    assert all(line == "# sumtrace report" or line.startswith("## ") for line in headings), headings
    assert not [line for line in md.split("\n") if re.match(r"\W*Injected", line)]
    rows = [line for line in md.split("\n") if line.startswith("|")]
    assert len(rows) == table_rows, rows  # no row broken in two, none added
    for row in rows:  # every row keeps its own column count: no unescaped pipe from the log
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) in (7, 9), row
    assert not dangerous(md)


# ------------------------------------------------------------------------------------ the function

def test_printable_escapes_every_control_and_format_character() -> None:
    """C0/C1, DEL, every Cf (bidi, zero-width, tags, BOM), line/paragraph separators, surrogates."""
    missed = [f"U+{cp:04X}" for cp in range(0x110000)
              if cp != 9 and _dangerous(chr(cp)) and dangerous(printable(chr(cp)))]
    assert missed == []
    assert printable("a\tb\nc") == "a\tb\nc" and printable("é漢字 ✓") == "é漢字 ✓"
    assert printable("\x1b[2J\u202e\U000e0041") == "\\x1b[2J\\u202e\\U000e0041"


def test_markdown_escapes_syntax_html_and_line_breaks() -> None:
    md = markdown(HOSTILE)
    assert "\n" not in md and not dangerous(md)
    assert "<" not in md and ">" not in md and "&lt;iframe" in md
    assert not re.search(r"(?<!\\)[\[\]()|`*#]", md)
    assert markdown("- a") == "\\- a" and markdown("12. b") == "12\\. b" and markdown("v1.2-3") == "v1.2-3"


# ------------------------------------------------------------------------------------ report text

def test_report_text_leaves_no_control_character_and_forges_no_line() -> None:
    flows, updates, files = _inputs()
    text = report_text(flows, updates, files)
    assert dangerous(text) == []
    lines = text.split("\n")
    assert not [line for line in lines if line.startswith(("# Injected", "<iframe"))], lines
    # one line per field: header, flow, ids, step, error, next, notes, "updates:", the update, "",
    # "files:", the file
    assert len(lines) == 12, lines
    assert lines[0].startswith("== PC\\x1b]52;c;") and lines[0].endswith(" ==")
    assert "\\u202eevil\\u2066\\u200f" in lines[0] and "\\n# Injected\\n" in lines[0]


def test_report_markdown_is_inert() -> None:
    flows, updates, files = _inputs()
    md = report_markdown(flows, updates, files)
    _markdown_is_inert(md, table_rows=2 + 1 + 2 + 1)  # step table: head, rule, row; updates: head, rule, row
    assert "\\*\\*b\\*\\*" in md and "&lt;img src=x onerror=alert\\(1\\)&gt;" in md


# ------------------------------------------------------------------------------------ end to end

def _hostile_logs(tmp_path: Path) -> Path:
    """The healthy first scan with a hostile update title, NetBIOS name and client folder name."""
    root = tmp_path / "logs"
    shutil.copytree(FIXTURES / "healthy-first-scan", root)
    wua = root / "client" / "WUAHandler.log"
    text = wua.read_text("utf-8-sig").replace("Security Update for Windows 7 for x64-based Systems (KB2862152)",
                                              f"Sec {ESCAPES} # X <iframe src=x></iframe>"
                                              "[c](javascript:alert(1))|a|b (KB2862152)")
    wua.write_text("\ufeff" + text, "utf-8")
    for log in root.rglob("*.log"):
        data = log.read_bytes()
        if b"PS1WIN7X64" in data:
            log.write_bytes(data.replace(b"PS1WIN7X64", ("PS1" + ESCAPES).encode()))
    (root / "client").rename(root / ("cli" + ESCAPES + "\n== fake ==\n# Injected"))
    return root


def test_report_from_hostile_logs_and_folder_names(tmp_path: Path) -> None:
    root = _hostile_logs(tmp_path)
    tracker, files, errors = collect([str(root)])
    assert errors == []
    assert tracker.newest is not None
    tracker.update(tracker.newest)
    text = report_text(tracker.flows, tracker.updates, files)
    assert "pwned" in text and dangerous(text) == []
    assert not [line for line in text.split("\n") if line.startswith(("== fake", "# Injected"))]
    md = report_markdown(tracker.flows, tracker.updates, files)
    assert "pwned" in md
    steps = sum(len(f.steps) for f in tracker.flows)
    _markdown_is_inert(md, table_rows=steps + 2 * len(tracker.flows) + len(tracker.updates) + 2)


def test_report_command_prints_nothing_a_terminal_acts_on(tmp_path: Path) -> None:
    root = _hostile_logs(tmp_path)
    for extra in ([], ["--markdown"]):
        r = subprocess.run([sys.executable, "-m", "sumtrace", "report", *extra, str(root)], cwd=ROOT,
                           capture_output=True, timeout=120)
        out = r.stdout.decode("utf-8")
        assert "pwned" in out and dangerous(out) == [], extra
        assert not [line for line in out.split("\n") if line.startswith(("== fake", "# Injected"))], extra
