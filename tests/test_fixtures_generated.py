"""The committed fixture folders are exactly what ``fixtures/generate.py`` writes, in the real formats.

Regenerates every scenario into a temporary folder and compares byte for byte with
``fixtures/<scenario>/``, so the script and the files cannot drift apart. Then checks the on-disk
shapes a strict parser relies on: CRLF everywhere, complete CMTrace attribute blocks, SMS-trace
tails, WindowsUpdate.log and IIS lines, and an ``expected.json`` per scenario.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sumtrace.live.scenarios import SCENARIOS, generate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STEPS = {
    "policy", "location_request", "mp_send", "mp_lookup", "mp_reply", "locations", "update_source", "scan_request",
    "wua_search", "search_complete", "results", "update_states", "state_upload", "mp_relay", "state_processing",
    "summarization",
}

CMTRACE_RECORD = re.compile(
    r'<!\[LOG\[(?P<msg>.*?)\]LOG\]!><time="(?P<time>\d{2}:\d{2}:\d{2}\.\d{3})(?P<bias>[+-]\d{2,3})" '
    r'date="(?P<date>\d{2}-\d{2}-\d{4})" component="(?P<comp>[A-Za-z_]+)" context="" type="(?P<type>[123])" '
    r'thread="(?P<thread>\d+)" file="(?P<file>[a-z_]+\.(?:cpp|h):\d+)">\r\n',
    re.S,
)
SMS_LINE = re.compile(
    r".+  \$\$<(?P<comp>SMS_[A-Z_]+)><\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2,3}><thread=(?P<tid>\d+) \(0x(?P<hex>[0-9A-F]+)\)>"
)
WU_LEGACY_LINE = re.compile(r"\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}:\d{3}\t[ \d]{3}\d\t[0-9a-f]+\t[A-Za-z]+\t.*")
WU_ETW_LINE = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{7} \d+ +\d+ +[A-Za-z]+ +\S.*")
IIS_LINE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}( \S+){13}")
WSUS_LINE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC\t\w+\t[\w.]+\t[\w.]+\t.+|   at .+")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _decode(data: bytes) -> str:
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode("ascii")


def _files(scenario: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / scenario).rglob("*") if p.is_file() and p.name != "expected.json")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    generate(out)
    return out


def test_committed_folders_are_the_scenarios() -> None:
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}
    assert folders == set(SCENARIOS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_generated_is_byte_identical(regenerated: Path, scenario: str) -> None:
    fresh, committed = _tree(regenerated / scenario), _tree(FIXTURES / scenario)
    assert sorted(fresh) == sorted(committed), "file set differs: run `python fixtures/generate.py`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"regenerated files differ from the committed ones: {changed}"


def test_generation_is_deterministic(tmp_path: Path, regenerated: Path) -> None:
    generate(tmp_path)
    assert _tree(tmp_path) == _tree(regenerated)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_layout_and_expected(scenario: str) -> None:
    root = FIXTURES / scenario
    for host in ("client", "mp", "server"):
        assert any((root / host).iterdir()), f"{host}/ is empty"
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    assert expected["scenario"] == scenario
    assert expected["description"] == SCENARIOS[scenario]
    cb = expected["generation"] == "current branch"
    assert expected["generation"] in {"2012 R2", "current branch"}
    assert expected["description"].startswith("ConfigMgr 2012 R2" if not cb else "Current branch")
    scan = expected["scan"]
    assert scan["status"] in {"ok", "failed", "stalled"}
    assert (scan["failed_step"] is not None) == (scan["status"] == "failed")
    assert (scan["stalled_step"] is not None) == (scan["status"] == "stalled")
    assert {scan["failed_step"], scan["stalled_step"]} - {None} <= STEPS
    assert re.fullmatch(r"\{[0-9A-F-]{36}\}", scan["update_source"])
    assert re.fullmatch(r"\{[0-9A-F-]{36}\}", scan["scan_job"])
    assert scan["error_code"] is None or re.fullmatch(r"0x[0-9a-f]{8}", scan["error_code"])
    if scan["status"] == "ok":
        assert expected["client_host"] and len(scan["updates"]) >= 3
    for update in scan["updates"]:
        assert re.fullmatch(r"[0-9a-f-]{36}", update["update_id"])
        assert update["state"] in {"installed", "missing"}
        assert re.fullmatch(r"KB\d+", update["kb"])
    # the IDs the expected result names are the ones the logs carry
    client = "".join(_decode(p.read_bytes()) for p in (root / "client").iterdir())
    assert scan["update_source"] in client and scan["scan_job"] in client
    for update in scan["updates"]:
        if cb:  # current-branch WUAHandler writes no "Update (Missing): ..." lines; UpdatesStore carries KB and title
            state = update["state"].capitalize()
            assert f"Queried Update ({update['update_id']}): Status={state}, Title={update['title']}" in client
            assert f"Added update {update['update_id'].upper()}.{update['revision']} to search result" in client
        else:
            assert f"({update['update_id']}, {update['revision']})" in client
            assert f"{{{update['update_id'].upper()}}}.{update['revision']}" in client
        assert update["kb"] in update["title"]
        raised = f"Successfully raised state message for update ({update['update_id']})" in client
        assert raised == update["state_message"]
        if not update["state_message"]:
            assert f"Update status from update ({update['update_id']}) already exists, will modify existing instance." in client
    if expected["client_host"]:
        assert f"<NetBIOSName>{expected['client_host']}</NetBIOSName>" in client
        # the MP relays exactly the report StateMessage.log forwarded
        forwarded = re.search(r"StateMessage body: (.*?)\]LOG\]!>", client, re.S)
        assert forwarded and forwarded[1] in _decode((root / "mp" / "MP_Relay.log").read_bytes())


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_crlf_line_endings(scenario: str) -> None:
    for path in _files(scenario):
        text = _decode(path.read_bytes())
        assert text.endswith("\r\n"), path
        assert text.count("\n") == text.count("\r\n"), f"bare LF in {path}"
        assert "\r\r" not in text and not re.search(r"\r(?!\n)", text), f"bare CR in {path}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_cmtrace_records_are_complete(scenario: str) -> None:
    for path in _files(scenario):
        data = path.read_bytes()
        text = _decode(data)
        if not text.startswith("<![LOG["):
            continue
        assert data[:3] == b"\xef\xbb\xbf" or data[:2] == b"\xff\xfe", f"{path} has no BOM"
        pos, count = 0, 0
        for match in CMTRACE_RECORD.finditer(text):
            assert match.start() == pos, f"{path}: unframed text at offset {pos}"
            assert "<![LOG[" not in match["msg"] and "]LOG]!>" not in match["msg"], path
            pos, count = match.end(), count + 1
        assert pos == len(text), f"{path}: incomplete record at offset {pos}"
        assert count == text.count("<![LOG["), path


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_other_formats(scenario: str) -> None:
    for path in _files(scenario):
        text = _decode(path.read_bytes())
        if text.startswith("<![LOG["):
            continue
        lines = text.split("\r\n")[:-1]
        if "$$<SMS_" in text:
            for line in lines:
                m = SMS_LINE.fullmatch(line)
                assert m, f"{path}: {line!r}"
                assert int(m["tid"]) == int(m["hex"], 16)
        elif path.name == "WindowsUpdate.log":
            pattern = WU_ETW_LINE if lines[0][4] == "/" else WU_LEGACY_LINE
            assert all(pattern.fullmatch(line) for line in lines), path
        elif path.name.startswith("u_ex"):
            assert lines[0].startswith("#Software: Microsoft Internet Information Services ")
            assert lines[1] == "#Version: 1.0" and lines[2].startswith("#Date: ") and lines[3].startswith("#Fields: ")
            assert all(IIS_LINE.fullmatch(line) for line in lines[4:]), path
        elif path.name == "SoftwareDistribution.log":
            assert all(WSUS_LINE.fullmatch(line) for line in lines), path
        else:
            pytest.fail(f"unknown format: {path}")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_wu_banner_matches_client_bias(scenario: str) -> None:
    root = FIXTURES / scenario / "client"
    wu = _decode((root / "WindowsUpdate.log").read_bytes())
    banner = re.search(r"tz: ([+-])(\d{2})(\d{2})\)", wu)
    biases = {m for p in root.iterdir() if p.suffix in (".log", ".lo_") for m in re.findall(r'time="[\d:.]+([+-]\d+)"', _decode(p.read_bytes()))}
    assert len(biases) == 1, biases
    if banner:  # the Windows 10 format writes no zone
        offset = (int(banner[2]) * 60 + int(banner[3])) * (1 if banner[1] == "+" else -1)
        assert offset == -int(biases.pop())


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_wu_log_wording(scenario: str) -> None:
    """What the expected result says about WindowsUpdate.log is what the file holds: benign ``*FAILED*`` lines from
    other components (Windows 10) or the legacy ``WARNING:`` a successful search writes, other callers' searches,
    and as many offline CcmExec searches as the expected re-evaluations count."""
    root = FIXTURES / scenario
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    wu = _decode((root / "client" / "WindowsUpdate.log").read_bytes())
    info = expected["wu_log"]
    assert wu.count("*FAILED*") == info["failed_lines"] and wu.count("WARNING:") == info["warning_lines"]
    callers = set(re.findall(r"Finding updates \[?CallerId = ([^\]\r\n]*?)(?:  Id = \d+|\])", wu)) - {"CcmExec"}
    assert sorted(callers) == info["other_callers"]
    offline = len(re.findall(r"CallerId = CcmExec  Id = \d+ \(cV = [^)]*\)\r\n[^\r\n]*Online = No;", wu))
    assert offline == sum(e["searches"] for e in expected["evaluations"])
    assert all(e["mode"] in {"offline", "deployment", "cache"} and e["status"] == "ok" for e in expected["evaluations"])
    if expected["generation"] == "current branch":
        assert info["format"] == "etw" and info["failed_lines"] > 0 and "Windows Defender" in callers
        # at least one benign *FAILED* line falls inside the online CcmExec search, between its START and END
        start = wu.index("* START * Finding updates CallerId = CcmExec  Id = 2 ")
        end = wu.index("* END * Finding updates CallerId = CcmExec, Id = 2, Exit code = 0x00000000")
        assert "*FAILED*" in wu[start:end]
        assert expected["evaluations"] and expected["evaluations"][0]["mode"] == "offline"
    elif expected["scan"]["status"] == "ok":
        assert info["format"] == "legacy" and "WARNING: Cached cookie has expired or new PID is available" in wu
