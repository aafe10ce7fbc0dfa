"""The multi-client site set (tests/multiclient.py) is well-formed, and the tracker finds every client's scans in it.

The first group checks the construction itself, so a failure in the second group can be blamed on
the tracker: every record parses, the MP and site-server logs are single files in UTC order that
hold every client, identities are distinct and stay in their own folder, the set grows linearly,
it is deterministic, and writing it live reproduces it byte for byte.

The second group runs ``sumtrace report --json`` (the documented contract, so it outlives any
rewrite of the tracker's Python API) on a six-client set and compares with what the construction
says: one scan flow per scan per client with its status, the failing step and error of each failing
scan, and no MP or site-server evidence that belongs to another client.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sumtrace.live.replay import FileSink, Player
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.stream import parse_bytes
from tests.multiclient import build_set, plan_set, set_tracks, write_set

N = 6
SEED = 0
MP_FILES = {"MP_Location.log", "MP_Relay.log", "MPFDM.log", "u_ex140121.log"}
SERVER_FILES = {"StateSys.log", "WSyncMgr.log", "SMSDBMON.log", "PolicyPv.log", "SoftwareDistribution.log", "u_ex140121.log"}
SITE_IPS = {"192.168.2.10", "192.168.2.12"}  # the site server and the MP, which appear in every IIS line

Files = dict[str, bytes]
Expected = dict[str, Any]


@pytest.fixture(scope="module")
def small() -> tuple[Files, Expected]:
    return build_set(N, SEED)


@pytest.fixture(scope="module")
def parsed(small: tuple[Files, Expected]) -> dict[str, list[Entry]]:
    files, expected = small
    out = {}
    for rel, data in files.items():
        folder = rel.split("/", 1)[0]
        bias = expected["clients"][folder]["bias"] if folder in expected["clients"] else None
        out[rel] = parse_bytes(rel, data, host_bias=bias)  # the bias discovery gives a zone-less WindowsUpdate.log
    return out


def text_of(data: bytes) -> str:
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    return data.decode("utf-8-sig")


def scans_of(expected: Expected) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [(folder, c, s) for folder, c in expected["clients"].items() for s in c["scans"]]


def guid(value: str) -> str:
    return value.strip("{}").upper()


# ----------------------------------------------------------------------------- the set itself


def test_every_record_parses(small: tuple[Files, Expected], parsed: dict[str, list[Entry]]) -> None:
    files, expected = small
    assert set(files) == set(expected["files"])
    for rel, entries in parsed.items():
        assert [e.line for e in entries if e.unparsed] == [], rel
        assert len(entries) == expected["files"][rel]["records"], rel
        assert all(e.utc is not None and e.time_source in ("bias", "utc", "banner", "host-bias") for e in entries), rel
    assert sum(len(v) for v in parsed.values()) == expected["records"]
    # the formats and encodings the generator writes, untouched
    formats = {rel: {e.format for e in entries} for rel, entries in parsed.items()}
    assert formats["mp/MP_Location.log"] == {"cmtrace"} and formats["server/StateSys.log"] == {"smstrace"}
    assert formats["mp/u_ex140121.log"] == {"iis"} and formats["server/SoftwareDistribution.log"] == {"wsus"}
    for folder, client in expected["clients"].items():
        wu = formats[f"{folder}/WindowsUpdate.log"]
        assert wu == ({"wu-etw"} if client["profile"] == "win10" else {"wu-legacy"}), folder
        scan_agent = files[f"{folder}/ScanAgent.log"]
        assert scan_agent.startswith(b"\xff\xfe" if client["profile"] == "win7-utf16" else b"\xef\xbb\xbf"), folder
        text = text_of(scan_agent)
        assert "\r\n" in text and text.count("\n") == text.count("\r\n"), folder


def test_the_small_set_covers_what_the_report_tests_need(small: tuple[Files, Expected]) -> None:
    """N=6 holds healthy scans, a failed one, a stalled one, rescans and every client profile."""
    _, expected = small
    scans = [s for _, _, s in scans_of(expected)]
    assert {s["scenario"] for s in scans} == {"healthy", "wsus-401", "location-reply-missing"}
    assert {s["status"] for s in scans} == {"ok", "failed", "stalled"}
    assert sum(len(c["scans"]) > 1 for c in expected["clients"].values()) == 2
    assert {c["profile"] for c in expected["clients"].values()} == {"win7", "win7-utf16", "win10"}
    assert len({c["bias"] for c in expected["clients"].values()}) == 3


def test_site_logs_are_one_file_each_in_utc_order(small: tuple[Files, Expected], parsed: dict[str, list[Entry]]) -> None:
    files, expected = small
    folders = {rel.split("/", 1)[0] for rel in files}
    assert folders == {"mp", "server", *expected["clients"]}
    assert {rel.split("/", 1)[1] for rel in files if rel.startswith("mp/")} == MP_FILES
    assert {rel.split("/", 1)[1] for rel in files if rel.startswith("server/")} == SERVER_FILES
    for rel, entries in parsed.items():
        if rel.startswith(("mp/", "server/")):
            times = [e.utc for e in entries if e.utc is not None]
            late = [(entries[i].line, a, b) for i, (a, b) in enumerate(zip(times, times[1:]), 1) if b < a]
            assert late == [], rel


def statesys_names(smx: str) -> tuple[str, ...]:
    """How StateSys names an SMX file: verbose ``Processing file: X.SMX``, current branch ``file: N_X.SMX.``."""
    return (f"Processing file: {smx}", f"file: N_{smx}.")


def test_site_logs_hold_every_client(small: tuple[Files, Expected]) -> None:
    """Each client shows up in every MP/server log its scans reach (per the generator's own ``reached`` steps)."""
    files, expected = small
    text = {rel: text_of(data) for rel, data in files.items() if rel.startswith(("mp/", "server/"))}
    for folder, client, scan in scans_of(expected):
        reached = set(scan["reached"])
        assert "mp_lookup" in reached, "every scenario used reaches the MP"
        assert f'Address="{client["ip"]}"' in text["mp/MP_Location.log"], folder
        if "wua_search" in reached:
            assert f" {client['ip']} " in text["server/u_ex140121.log"], folder
        if "state_upload" in reached:
            assert f"<NetBIOSName>{client['netbios']}</NetBIOSName>" in text["mp/MP_Relay.log"], folder
            assert f"<ClientID>{client['client_id']}</ClientID>" in text["mp/MP_Relay.log"], folder
            assert f"\\{scan['smx']} to " in text["mp/MPFDM.log"], folder
            # Verbose StateSys names the file it starts; current branch names it (with the inbox's
            # priority prefix) in each "Processed N records ... file: N_x.SMX." line.
            assert any(n in text["server/StateSys.log"] for n in statesys_names(scan["smx"])), folder
        else:
            assert scan["smx"] is None and scan["status"] != "ok"


def test_identities_are_distinct_and_stay_in_their_folder(small: tuple[Files, Expected]) -> None:
    files, expected = small
    clients = expected["clients"]
    for key in ("netbios", "ip", "client_id", "sus_client_id"):
        values = [c[key] for c in clients.values()]
        assert len(set(values)) == len(values), key
    per_scan: list[str] = []
    for _, _, scan in scans_of(expected):
        per_scan += [scan["scan_job"], scan["location_request"], scan["messages"]["location_request"]]
        per_scan += [v for v in (scan["messages"]["location_reply"], scan["messages"]["state_upload"], scan["smx"]) if v]
    assert len(set(per_scan)) == len(per_scan)
    assert {scan["update_source"] for _, _, scan in scans_of(expected)} == {expected["site"]["update_source"]}
    client_text = {folder: "".join(text_of(d) for rel, d in files.items() if rel.startswith(folder + "/"))
                   for folder in clients}
    for folder, client, scan in scans_of(expected):
        holders = {f for f, t in client_text.items() if scan["scan_job"] in t}
        assert holders == {folder}, scan["scan_job"]
        if scan["messages"]["state_upload"]:
            assert client["client_id"] in client_text[folder]
    for folder, client in clients.items():
        assert {f for f, t in client_text.items() if client["client_id"] in t or client["netbios"] in t} <= {folder}


def test_four_times_the_clients_four_times_the_records() -> None:
    small_files, small_exp = build_set(N, SEED)
    big_files, big_exp = build_set(4 * N, SEED)
    small_n = sum(len(parse_bytes(rel, data)) for rel, data in small_files.items())
    big_n = sum(len(parse_bytes(rel, data)) for rel, data in big_files.items())
    assert (small_n, big_n) == (small_exp["records"], big_exp["records"])
    assert 3.8 <= big_n / small_n <= 4.2, (small_n, big_n)
    assert len(big_exp["clients"]) == 4 * N
    assert 3.6 <= big_exp["scans"] / small_exp["scans"] <= 4.4


def test_the_set_is_deterministic(small: tuple[Files, Expected], tmp_path: Path) -> None:
    files, expected = small
    assert build_set(N, SEED) == (files, expected)
    other, _ = build_set(N, SEED + 1)
    assert other.keys() == files.keys() and other != files
    assert [c.scans for c in plan_set(N, SEED)] != [c.scans for c in plan_set(N, SEED + 1)]
    assert write_set(str(tmp_path), N, SEED) == expected
    assert {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
            and p.name != "expected.json"} == files


def test_written_live_it_is_the_same_set(small: tuple[Files, Expected], tmp_path: Path) -> None:
    """Player + FileSink (the demo's writer) write the tracks record by record, in UTC order across files."""
    files, expected = small
    tracks = set_tracks(files)
    assert {t.host for t in tracks} == {rel.split("/", 1)[0] for rel in files}
    sink = FileSink(str(tmp_path), max_size=1 << 30)
    player = Player(tracks, sink)
    asyncio.run(player.run())
    assert player.played == expected["records"]
    written = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == files
    assert sink.rotations == 0


# ----------------------------------------------------------------------------- the tracker on the set


@pytest.fixture(scope="module")
def report(small: tuple[Files, Expected], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    files, _ = small
    root = tmp_path_factory.mktemp("multiclient")
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    proc = subprocess.run([sys.executable, "-m", "sumtrace", "report", "--json", str(root)],
                          capture_output=True, text=True, encoding="utf-8", check=False, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return root, json.loads(proc.stdout)


def client_of(expected: Expected, host: str) -> str | None:
    """The client folder a flow's host names: the folder itself, or the NetBIOS name learnt from its state messages."""
    for folder, client in expected["clients"].items():
        if host in (folder, client["netbios"]):
            return str(folder)
    return None


def scan_flows(expected: Expected, doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {folder: [] for folder in expected["clients"]}
    for flow in doc["flows"]:
        if flow["kind"] == "scan":
            folder = client_of(expected, flow["host"])
            assert folder is not None, f"scan flow on a host that is no client: {flow['host']} {flow['id']}"
            out[folder].append(flow)
    return out


def test_report_finds_every_scan_with_its_status(small: tuple[Files, Expected], report: tuple[Path, dict[str, Any]]) -> None:
    _, expected = small
    flows = scan_flows(expected, report[1])
    got = {folder: sorted((guid(f["ids"].get("scan_job") or "?"), f["status"]) for f in fl) for folder, fl in flows.items()}
    want = {folder: sorted((guid(s["scan_job"]), s["status"]) for s in c["scans"]) for folder, c in expected["clients"].items()}
    assert got == want


def test_report_failing_scans_fail_where_they_were_built_to(small: tuple[Files, Expected],
                                                             report: tuple[Path, dict[str, Any]]) -> None:
    _, expected = small
    flows = {guid(f["ids"].get("scan_job") or "?"): f for fl in scan_flows(expected, report[1]).values() for f in fl}
    failing = [s for _, _, s in scans_of(expected) if s["status"] != "ok"]
    problems = []
    for scan in failing:
        flow = flows.get(guid(scan["scan_job"]))
        if flow is None:
            problems.append((scan["name"], "no flow"))
            continue
        bad = [st for st in flow["steps"] if st["status"] in ("failed", "stalled")]
        want_step = scan["failed_step"] or scan["stalled_step"]
        got_step = bad[0]["key"] if bad else None
        if got_step != want_step:
            problems.append((scan["name"], f"first failing step {got_step}, built to fail at {want_step}"))
            continue
        if scan["error_code"]:
            err = bad[0]["error"]
            if err is None or int(err["code"], 16) != int(scan["error_code"], 16):
                problems.append((scan["name"], f"{want_step} error {err and err['code']}, built with {scan['error_code']}"))
    assert problems == []


_IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_NETBIOS = re.compile(r"<NetBIOSName>([^<]+)</NetBIOSName>")
_SMX = re.compile(r"\b([A-Z0-9]{8}\.SMX)\b")


def test_report_joins_no_other_clients_site_records(small: tuple[Files, Expected], parsed: dict[str, list[Entry]],
                                                    report: tuple[Path, dict[str, Any]]) -> None:
    """Every MP/site-server record a scan cites names this client (IP, NetBIOS) and this scan (SMX), or no one.

    On a site the MP interleaves many clients' lookups and relays; a join by time alone picks a
    neighbour's record. This catches it where the status alone would not.
    """
    root, doc = report
    _, expected = small
    message = {rel: {e.line: e.message for e in entries} for rel, entries in parsed.items()}
    by_job = {guid(s["scan_job"]): (c, s) for _, c, s in scans_of(expected)}
    wrong = []
    for flows in scan_flows(expected, doc).values():
        for flow in flows:
            client, scan = by_job[guid(flow["ids"].get("scan_job") or "?")]
            for step in flow["steps"]:
                for ev in step.get("evidence", []):
                    rel = Path(os.path.relpath(ev["file"], root)).as_posix()
                    if not rel.startswith(("mp/", "server/")):
                        continue
                    text = message[rel][ev["line"]]
                    ips = {ip for ip in _IP.findall(text) if ip not in SITE_IPS and not ip.endswith(".0")}
                    names = set(_NETBIOS.findall(text))
                    smx = set(_SMX.findall(text))
                    if ips - {client["ip"]} or names - {client["netbios"]} or smx - {scan["smx"]}:
                        wrong.append((scan["name"], step["key"], f"{rel}:{ev['line']}", sorted(ips | names | smx)))
    assert wrong == []


def test_report_cites_each_scans_own_site_records(small: tuple[Files, Expected], parsed: dict[str, list[Entry]],
                                                  report: tuple[Path, dict[str, Any]]) -> None:
    """The MP and site-server hops of a scan show the records that carry its IDs (README: joins use the IDs the logs share).

    The request body with the client's IP (MP_Location), the relayed report with its NetBIOS name
    (MP_Relay), the move of its SMX (MPFDM) and StateSys processing that SMX.
    """
    root, doc = report
    _, expected = small
    message = {rel: {e.line: e.message for e in entries} for rel, entries in parsed.items()}
    flows = {guid(f["ids"].get("scan_job") or "?"): f for fl in scan_flows(expected, doc).values() for f in fl}
    missing: list[tuple[str, ...]] = []
    for _, client, scan in scans_of(expected):
        flow = flows.get(guid(scan["scan_job"]))
        if flow is None:
            missing.append((scan["name"], "no flow"))
            continue
        cited: dict[str, str] = {}
        for step in flow["steps"]:
            texts = [message[rel][ev["line"]] for ev in step.get("evidence", [])
                     if (rel := Path(os.path.relpath(ev["file"], root)).as_posix()).startswith(("mp/", "server/"))]
            cited[step["key"]] = "\n".join(texts)
        wanted = [("mp_lookup", "mp_lookup", f'Address="{client["ip"]}"')]
        if "state_upload" in scan["reached"]:
            wanted += [("mp_relay", "mp_relay", f"<NetBIOSName>{client['netbios']}</NetBIOSName>"),
                       ("mp_relay", "mp_relay", f"\\{scan['smx']} to "),
                       ("state_processing", "state_processing", statesys_names(scan["smx"]))]
        for reached, key, needle in wanted:
            needles = (needle,) if isinstance(needle, str) else needle
            if reached in scan["reached"] and not any(n in cited.get(key, "") for n in needles):
                missing.append((scan["name"], key, needles[0]))
    assert missing == []
