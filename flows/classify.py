"""Which step of which flow a log record speaks of: entries become facts.

Classification is stateless (one entry in, at most one fact out), so the order entries arrive
in cannot change what they mean; everything that needs context (which message a reply answers,
which scan a WUA search belongs to) is decided later, on time-sorted facts, in
:mod:`sumtrace.flows.build`. Patterns match the stable parts of each message so both generations of the
wording (ConfigMgr 2012 and current branch, legacy and Windows 10 WindowsUpdate.log) fit, and
GUID captures tolerate the stray spaces documentation copies put inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sumtrace.flows import rules_client, rules_site, rules_wu
from sumtrace.flows.errorcodes import find_codes
from sumtrace.flows.rule import G, Rule, norm_guid
from sumtrace.flows.vocab import Outcome, Role
from sumtrace.parsers.entry import Entry


@dataclass(slots=True)
class Fact:
    """One classified record: the step it evidences and the IDs/values it carries."""

    name: str
    step: str
    flow: str
    utc: datetime
    order: tuple[str, int]
    host: str
    role: Role
    entry: Entry
    ids: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    outcome: Outcome = ""
    codes: list[int] = field(default_factory=list)
    rule_step: str = ""  # the step the rule gave; ``step`` is re-derived from it at every rebuild
    # The sort key (UTC, file, line), made once: stitching sorts and bisects by it constantly.
    key: tuple[datetime, str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rule_step:
            self.rule_step = self.step
        self.key = (self.utc, self.order[0], self.order[1])


BY_COMPONENT: dict[str, list[Rule]] = {**rules_client.TABLES, **rules_wu.TABLES, **rules_site.TABLES}

ALL_RULES: dict[str, list[Rule]] = BY_COMPONENT

# Error records with an HRESULT that no rule names. Only CcmMessaging's are a step's own outcome (they
# name the message whose sending failed, and the message's queue says which step that is); the
# others (LocationServices refreshing its MP list, WUAHandler during an install) are notes on the
# step whose window they fall in, never its verdict.
_FALLBACK: dict[str, tuple[str, str, Outcome]] = {
    "ccmmessaging": ("msg_error", "?", "fail"),
    "wuahandler": ("wua_error", "search_complete", "note"),
    "locationservices": ("ls_error", "locations", "note"),
}

_ROLE: dict[str, Role] = rules_site.ROLES


def literal_of(regex: str) -> str | None:
    """The longest run of plain text a pattern requires (lower-cased), or None if it has none.

    Used to build a one-pass prefilter per component: most records match no rule, and one C-level
    search for any rule's literal is far cheaper than trying every rule's regex in turn.
    """
    depth = 0
    bracket = False
    for i, ch in enumerate(regex):  # a top-level alternation has no single required literal
        if ch == "\\":
            continue
        if bracket:
            bracket = ch != "]" or regex[i - 1] == "\\"
        elif ch == "[" and (i == 0 or regex[i - 1] != "\\"):
            bracket = True
        elif ch == "(" and (i == 0 or regex[i - 1] != "\\"):
            depth += 1
        elif ch == ")" and (i == 0 or regex[i - 1] != "\\"):
            depth -= 1
        elif ch == "|" and depth == 0 and (i == 0 or regex[i - 1] != "\\"):
            return None
    runs: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(regex):
        ch = regex[i]
        nxt = regex[i + 1] if i + 1 < len(regex) else ""
        if ch == "\\" and nxt and not nxt.isalnum():
            lit, step = nxt, 2
        elif ch == "\\" or ch in ".^$*+?{}[]()|":
            runs.append("".join(cur))
            cur = []
            if ch in "[(":  # skip the class or group entirely
                close, depth, j = ("]" if ch == "[" else ")"), 0, i
                while j < len(regex):
                    if regex[j] == "\\":
                        j += 2
                        continue
                    if regex[j] == ch:
                        depth += 1
                    elif regex[j] == close:
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                i = j + 1
            else:
                i += 2 if ch == "\\" else 1
            continue
        else:
            lit, step = ch, 1
        after = regex[i + step] if i + step < len(regex) else ""
        if after and after in "*?{":  # optional char: the run ends before it
            runs.append("".join(cur))
            cur = []
            i += step
            continue
        cur.append(lit)
        i += step
    runs.append("".join(cur))
    best = max(runs, key=len)
    return best.lower() if len(best.strip()) >= 4 else None


@dataclass(frozen=True, slots=True)
class _Table:
    rules: list[Rule]
    prefilter: re.Pattern[str] | None
    always: list[Rule]


def _table(rules: list[Rule]) -> _Table:
    lits = [(r, literal_of(r.regex)) for r in rules]
    keyed = [lit for _, lit in lits if lit]
    always = [r for r, lit in lits if not lit]
    pre = re.compile("|".join(re.escape(k) for k in sorted(set(keyed), key=len, reverse=True))) if keyed else None
    return _Table(rules, pre, always)


_TABLES: dict[str, _Table] = {}


def _rules_for(key: str) -> _Table | None:
    table = _TABLES.get(key)
    if table is None and key in BY_COMPONENT:
        table = _TABLES[key] = _table(BY_COMPONENT[key])
    return table


def source_key(entry: Entry) -> str:
    """Which rule table applies: the component for ConfigMgr logs, the format for the others."""
    fmt = entry.format
    if fmt in ("wu-legacy", "wu-etw"):
        return "windowsupdate"
    if fmt in ("wsus", "iis"):
        return fmt
    return entry.component.lower()


def match_rules(rules: list[Rule], message: str) -> tuple[Rule, re.Match[str]] | None:
    for rule in rules:
        m = rule.pattern.search(message)
        if m is not None:
            return rule, m
    return None


def classify(entry: Entry, host: str, order: tuple[str, int]) -> Fact | None:
    """The fact an entry evidences, or None for the (vast majority of) records that are noise."""
    key = source_key(entry)
    table = _rules_for(key)
    if table is None or entry.utc is None or entry.damaged:
        return None  # a torn record's text is only the tail of what was written: no rule can trust it
    found = None
    message = entry.message
    if table.prefilter is not None and table.prefilter.search(message.lower()):
        found = match_rules(table.rules, message)
    elif table.always:  # no keyed rule can match without its literal: only the rest can
        found = match_rules(table.always, message)
    if found is None:
        fallback = _FALLBACK.get(key)
        if fallback is None or entry.severity != "error":
            return None
        codes = find_codes(entry.message)
        if not codes:
            return None
        fact = Fact(fallback[0], fallback[1], "scan", entry.utc, order, host, "client", entry, outcome=fallback[2],
                    codes=codes)
        m_id = re.search(G, entry.message)
        if m_id:
            fact.ids["message"] = norm_guid(m_id.group(1))
        return fact
    rule, m = found
    role: Role = _ROLE.get(key, "client")
    if key == "iis":
        role = "mp" if rule.name == "iis_ccm_post" else "server"
    fact = Fact(rule.name, rule.step, rule.flow, entry.utc, order, host, role, entry)
    for name, value in zip(rule.groups, m.groups()):
        if value is None:
            continue
        if name in ("update_source", "scan_job", "location_request", "message", "reply", "policy", "service"):
            fact.ids[name] = norm_guid(value)
        elif name in ("update", "topic", "superseded_by"):
            fact.ids[name] = norm_guid(value)
        else:
            fact.values[name] = value.strip()
    fact.outcome = rule.outcome
    _enrich(fact, entry)
    return fact


_XML_TEXT = {
    "netbios": re.compile(r"<NetBIOSName>([^<]*)</NetBIOSName>"),
    "client_id": re.compile(r"<ClientID>\s*(?:GUID:)?\s*([^<]*)</ClientID>"),
}
_TOPIC = re.compile(r'<StateMessage[^>]*SerialNumber="(\d+)"[^>]*>\s*<Topic ID="([^"]*)" Type="(\d+)"')
_LOCATION_RECORD = re.compile(r"<LocationRecord\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_CONTENT = re.compile(r'<Content ID="([^"]*)" Version="(\d+)"')
_IP = re.compile(r'<IPAddress[^>]*Address="([^"]*)"')


def _enrich(fact: Fact, entry: Entry) -> None:
    """Values that need more than the rule's groups: XML bodies (read with regexes, never an XML
    parser, so no entity is ever expanded), error codes, WU exit codes, IIS status."""
    msg = entry.message
    name = fact.name
    if name in ("sm_body", "relay_body"):
        for key, rx in _XML_TEXT.items():
            m = rx.search(msg)
            if m:
                fact.values[key] = m.group(1).strip()
        topics = _TOPIC.findall(msg)
        if topics:
            fact.values["topics"] = ",".join(f"{norm_guid(t)}:{ty}:{sn}" for sn, t, ty in topics)
    elif name in ("ls_reply_body", "mp_reply_body"):
        records = [dict(_ATTR.findall(r)) for r in _LOCATION_RECORD.findall(msg)]
        fact.values["records"] = str(len(records))
        if records:
            fact.values["wsus_url"] = records[0].get("WSUSURL", "")
            fact.values["urls"] = " ".join(r.get("WSUSURL", "") for r in records)
            fact.values["versions"] = ",".join(sorted({r.get("Version", "") for r in records}))
    elif name in ("ls_request_body", "mp_request_body"):
        m = _CONTENT.search(msg)
        if m:
            fact.ids["update_source"] = norm_guid(m.group(1))
            fact.values["content_version"] = m.group(2)
        fact.values["client_ips"] = " ".join(sorted(set(_IP.findall(msg))))
    elif name in ("wu_agent_end", "wu_exit_code"):
        # The search's own result: its exit code (and legacy COMAPI's result code) decides.
        failed = [int(c, 16) for c in (fact.values.get("exit"), fact.values.get("result")) if c and int(c, 16) & 0x80000000]
        if failed:
            fact.outcome = "fail"
            fact.codes = failed
        elif name == "wu_agent_end" or fact.values.get("exit"):
            fact.outcome = "done"
    elif name == "wu_search_end":
        fact.outcome = "done"
    elif name == "wu_metadata_oom":
        fact.codes = [int(fact.values["hr"], 16)]
    elif name == "iis_ccm_post" or name == "iis_wsus_client":
        status = entry.extra.get("sc-status", "")
        fact.values["status"] = str(status)
        fact.values["client_ip"] = str(entry.extra.get("c-ip", ""))
        if name == "iis_wsus_client" and str(status).isdigit() and int(str(status)) >= 400:
            fact.outcome = "fail"
    if fact.outcome in ("fail", "note") and not fact.codes:
        fact.codes = find_codes(msg)
    if fact.outcome == "" and entry.severity == "error" and fact.flow != "policy":
        # An error record the rule does not call the step's outcome: a note, however red it is.
        codes = find_codes(msg)
        if codes:
            fact.codes = codes
            fact.outcome = "note"

