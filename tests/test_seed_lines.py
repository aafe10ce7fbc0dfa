"""Every log line the two seed documents quote belongs to exactly one step.

The lines are extracted from the seed texts themselves (not copied into this test), turned into
entries of the log they come from, classified, and resolved with the same context pass the tracker
uses. Exclusions are only what is not a log line: SQL Server Profiler traces, WMI namespace notes,
documentation ellipses and prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sumtrace.flows.classify import BY_COMPONENT, Fact, classify, source_key
from sumtrace.flows.kinds.scan_segment import resolve_messaging as _resolve_messaging
from sumtrace.parsers.entry import Entry
from tests.conftest import SEEDS

UTC = timezone.utc
COMPONENTS = (
    "ScanAgent LocationServices CcmMessaging MP_LocationManager WUAHandler UpdatesStore StateMessage "
    "MP_RelayEndpoint SMS_MP_FILE_DISPATCH_MANAGER SMS_STATE_SYSTEM SMS_DATABASE_NOTIFICATION_MONITOR "
    "SMS_POLICY_PROVIDER PolicyAgent_ReplyAssignments PolicyAgent_PolicyDownload PolicyAgent_PolicyEvaluator"
).split()
LOG_TO_COMPONENT = {
    "ScanAgent.log": "ScanAgent", "LocationServices.log": "LocationServices", "CcmMessaging.log": "CcmMessaging",
    "MP_Location.log": "MP_LocationManager", "WUAHandler.log": "WUAHandler", "UpdatesStore.log": "UpdatesStore",
    "StateMessage.log": "StateMessage", "WindowsUpdate.log": "WU", "SoftwareDistribution.log": "WSUS",
}
NOT_LOG = re.compile(r"^(exec |select |declare |IF EXISTS|update |insert |Namespace:|Class:|\[!TIP\]|If you compare|\.\.\.$|"
                     r"!\[Screenshot)", re.IGNORECASE)
_COMP_TAIL = re.compile(r"\s+(" + "|".join(COMPONENTS) + r")(?:\s+\d{1,2}/\d{1,2}/\d{4} .*)?\s*$")


@dataclass
class SeedLine:
    doc: str
    component: str
    text: str


def _unescape(text: str) -> str:
    text = text.replace("\\<", "<").replace("\\*", "*").replace("\\-", "-").replace("\\...", "...")
    text = text.replace("`", "").replace("{**", "{").replace("**}", "}")
    return text.strip()


def seed_000() -> list[SeedLine]:
    lines = (SEEDS / "000_40caae8ea26d63d2.txt").read_text(encoding="utf-8").splitlines()
    out: list[SeedLine] = []
    in_quote = False
    sql = False
    for raw in lines:
        if not raw.strip():
            in_quote = False
            continue
        if not raw.startswith(">"):
            # A log line the document forgot to mark as a quote, directly under a quoted one.
            if in_quote and _COMP_TAIL.search(raw):
                text = raw
            else:
                sql = "SQL Server Profiler" in raw or "SQL" in raw and "trace" in raw
                in_quote = False
                continue
        else:
            text = raw[1:]
            in_quote = True
        text = _unescape(text)
        if not text or sql or NOT_LOG.search(text):
            continue
        m = _COMP_TAIL.search(text)
        if m and text.startswith("<") and out:
            out[-1].text += "\n" + text[: m.start()].strip()  # XML body on the line after its record
        elif m:
            out.append(SeedLine("000", m.group(1), text[: m.start()].strip()))
        elif re.match(r"^\d{4}-\d{2}-\d{2}\s", text):
            out.append(SeedLine("000", "WU", text))
        elif re.match(r"^[\d.]+ CCM_POST ", text):
            out.append(SeedLine("000", "IIS", text))
        elif out and (text.startswith("<") or not text[0].isalnum()):
            out[-1].text += "\n" + text  # continuation of a multi-line record (XML body)
        elif out and text.startswith(("Message Body", "MP LM: Reply")):
            out.append(SeedLine("000", out[-1].component, text))
        elif out:
            out[-1].text += "\n" + text
    return out


_PROSE_END = re.compile(r"^(Troubleshoot|Step \d|Tip$|Note$|Registry subkey|Each scan job|\d+\. |Many issues|"
                        r"During a scan|When troubleshooting|It's a memory|To fix|Your best|Review WUAHandler|"
                        r"Problems |As mentioned|Generally|The software update point for|The scan triggers)")


def seed_003() -> list[SeedLine]:
    """Log lines of the troubleshooting guide: the indented blocks after 'In <Name>.log:'-style sentences."""
    lines = (SEEDS / "003_9fcf37c6e2d33040.txt").read_text(encoding="utf-8").splitlines()
    out: list[SeedLine] = []
    comp: str | None = None
    for raw in lines:
        stripped = raw.strip()
        if not stripped:
            continue
        logname = re.search(r"(\w+\.log)\b", raw)
        if stripped.endswith(":") and (logname or "SQL Server Profiler" in raw):
            comp = LOG_TO_COMPONENT.get(logname.group(1)) if logname and "SQL" not in raw else None
            continue
        if comp is None:
            continue
        if _PROSE_END.match(stripped) or stripped.startswith(("Scan results will include superseded updates only when they're",)):
            comp = None
            continue
        text = _unescape(stripped[1:] if stripped.startswith(">") else stripped)
        if NOT_LOG.search(text) or text.endswith(":"):
            continue  # "For manual sync:" and the like
        if out and out[-1].component == comp and out[-1].doc == "003" and (
                text.startswith(("ContentVersion=", "Location=", "Delivered successfully", "EventId="))):
            out[-1].text += " " + text  # the document wrapped one record over two lines
            continue
        m = _COMP_TAIL.search(text)
        if m:
            text = text[: m.start()].strip()
        out.append(SeedLine("003", comp, text))
    return out


WU_COMPONENTS = {"COMAPI", "Agent", "PT", "AU", "AUClnt", "Report", "Service", "Misc", "Handler", "DnldMgr"}


def to_entry(line: SeedLine, n: int) -> Entry:
    t = datetime(2014, 1, 20, 12, 0, tzinfo=UTC)
    common = dict(file=f"seed{line.doc}", line=n, offset=0, local=t.replace(tzinfo=None), utc=t, bias=0,
                  time_source="bias", severity="info", severity_inferred=False, thread=1)
    text = line.text
    if line.component == "WU":
        if re.match(r"^\d{4}-", text):
            parts = text.split(None, 5)
            comp, msg = parts[4], parts[5] if len(parts) > 5 else ""
        else:
            first, _, rest = text.partition(" ")
            comp, msg = (first, rest) if first in WU_COMPONENTS else ("", text)
        return Entry(format="wu-legacy", component=comp, message=msg, **common)  # type: ignore[arg-type]
    if line.component == "IIS":
        return Entry(format="iis", component="CCM_POST", message=text, **common)  # type: ignore[arg-type]
    if line.component == "WSUS":
        return Entry(format="wsus", component="WsusService", message=text, **common)  # type: ignore[arg-type]
    sms = line.component.startswith("SMS_")
    return Entry(format="smstrace" if sms else "cmtrace", component=line.component, message=text,
                 **common)  # type: ignore[arg-type]


def resolve(lines: list[SeedLine]) -> list[tuple[SeedLine, Fact | None]]:
    facts = []
    for i, line in enumerate(lines):
        facts.append((line, classify(to_entry(line, i), "seed", (line.doc, i))))
    resolved = {id(f) for f in _resolve_messaging([f for _, f in facts if f is not None]) if f.step != "?"}
    return [(line, f if f is not None and id(f) in resolved else None) for line, f in facts]


@pytest.fixture(scope="module")
def seed_lines() -> list[SeedLine]:
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds not available")
    return seed_000() + seed_003()


def test_extraction_finds_the_quoted_lines(seed_lines: list[SeedLine]) -> None:
    docs = {d: [s for s in seed_lines if s.doc == d] for d in ("000", "003")}
    assert len(docs["000"]) >= 100 and len(docs["003"]) >= 50
    texts = " ".join(s.text for s in seed_lines)
    for needle in ("got reply", "Waiting for 2 mins", "GetUpdateMetadata2", "Group policy settings were overwritten",
                   "Moved file", "total chucks loaded", "Started task", "EventId=381", "Found 163 updates"):
        assert needle in texts


def test_every_seed_line_belongs_to_exactly_one_step(seed_lines: list[SeedLine]) -> None:
    unmatched = [f"{s.doc} {s.component}: {s.text[:120]}" for s, f in resolve(seed_lines) if f is None]
    assert not unmatched, "\n".join(unmatched)


def test_no_line_matches_two_rules(seed_lines: list[SeedLine]) -> None:
    """First match wins in the tracker; here we check the rules do not even overlap on real wording."""
    doubles = []
    for i, line in enumerate(seed_lines):
        entry = to_entry(line, i)
        rules = BY_COMPONENT.get(source_key(entry), [])
        hits = {(r.flow, r.step) for r in rules if r.pattern.search(entry.message)}
        if len(hits) > 1:
            doubles.append(f"{line.text[:100]} -> {sorted(hits)}")
    assert not doubles, "\n".join(doubles)


def test_steps_cover_the_scan(seed_lines: list[SeedLine]) -> None:
    steps = {f.step for _, f in resolve(seed_lines) if f is not None}
    for key in ("policy", "location_request", "mp_send", "mp_lookup", "mp_reply", "locations", "update_source",
                "scan_request", "wua_search", "search_complete", "results", "update_states", "state_upload",
                "mp_relay", "state_processing", "summarization", "scan_tool_notification", "policy_provider",
                "policy_download", "policy_apply", "scan_agent_notified", "start"):
        assert key in steps, key


def test_seed_paths_exist() -> None:
    assert Path(SEEDS).name == "seeds"
