"""A large CMTrace client corpus of a chosen size and fact density, for the parse and report benchmarks.

The figures of ``parse`` and ``report`` depend on how many records become facts: a record no rule
matches costs a parse and one prefilter search, a fact costs classification, stitching and its
share of a flow. Real client logs are sparse (0.5–5 % of records are flow evidence); a corpus whose
filler lines match flow rules is the worst case (the issue measured one at 60 %). This module builds
either, deterministically, so a benchmark can say which one its figure comes from.

Layout: one host folder (``PC01``) with the client logs of ``fixtures/healthy-first-scan`` (CMTrace
only), where each scan is that fixture's records shifted by two hours per scan, with fresh GUIDs for
the scan job, the messages and the updates (so the updates table grows with history: one row per
update per scan, as for a client that scans for months and sees new updates every month). Before each scan, ``noise`` filler
records are spread over the files, 10 ms apart:

* a heartbeat (``CCcmExec::Idle - heartbeat N ok``) that no rule matches, or
* with probability ``fact_share``, a record that does match a rule: ScanAgent's
  ``PersistInstanceInCache- Persisted Instance CCM_ScanJobInstance`` or StateMessage's
  ``StateMessage body: …`` (the filler of the issue's worst-case corpus).

Run as a script it writes a corpus and prints its records, bytes and the number of filler facts
(the fact density itself comes from the tracker; the benchmarks print it).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sumtrace.parsers.entry import Entry  # noqa: E402
from sumtrace.parsers.stream import parse_file  # noqa: E402

FIXTURE = os.path.join(ROOT, "fixtures", "healthy-first-scan", "client")
# The fixture's GUIDs that are the scan's own (scan job, messages, updates): fresh ones per scan.
IDS = ["9F78FA4F-D2F3-4FE6-ACD8-8F6689DC3941", "DBB19655-0AF4-4DBC-9412-ADAA6B949AED",
       "6795EB19-D40A-43E1-B6CA-03FCB3FAE269", "C7DA4CB5-8154-43D6-A7B4-F0D4C187A834",
       "B16D2D00-CA61-4530-89B3-7B916EA601E3",
       # the updates the scan finds: new ones every scan, so the updates table grows with history
       "DB447B0C-B16A-46CE-AB8D-941A6A387CD4", "ADAA7500-2958-40A2-9CDD-D8699A753C3E",
       "7EDD6882-1D5D-4963-B749-E7824E529A72", "5B9AA7D4-5A69-47C8-9C7C-817274596292",
       "2484F0DE-2E63-47A2-9706-9BA6632E3EC8"]
_SEV = {"info": "1", "warning": "2", "error": "3", "verbose": "0"}
# Filler records that rules match (the worst case): which file, component, message.
FACT_FILLER = (
    ("ScanAgent.log", "ScanAgent", "CScanAgentCache::PersistInstanceInCache- Persisted Instance CCM_ScanJobInstance"),
    ("StateMessage.log", "StateMessage",
     "StateMessage body: <?xml version=\"1.0\" encoding=\"UTF-16\"?><Report><ReportHeader><Identification>"
     "<Machine><ClientInstalled>1</ClientInstalled></Machine></Identification></ReportHeader></Report>"),
)

# Presets: (scans, filler records per scan, share of filler that are facts) per size 1.
PRESETS: dict[str, tuple[int, int, float]] = {
    "realistic": (24, 5400, 0.0),  # about 2 % of records are facts
    "worst": (270, 310, 0.62),  # about 60 % of records are facts
}


@dataclass
class Corpus:
    folder: str
    records: int
    bytes: int
    filler_facts: int


def record(msg: str, local: datetime, comp: str, thread: int | None, typ: str) -> str:
    return (f'<![LOG[{msg}]LOG]!><time="{local:%H:%M:%S}.{local.microsecond // 1000:03d}+300" '
            f'date="{local:%m-%d-%Y}" component="{comp}" context="" type="{typ}" thread="{thread or 0}" '
            f'file="x.cpp:1">\r\n')


def _fixture() -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for name in sorted(os.listdir(FIXTURE)):
        if name.endswith(".log") and name != "WindowsUpdate.log":
            out[name] = [e for e in parse_file(os.path.join(FIXTURE, name)) if e.format == "cmtrace"]
    return out


def build(root: str, scans: int, noise: int, fact_share: float, seed: int = 0) -> Corpus:
    """Write the corpus under ``root/PC01``; ``noise`` filler records per scan, over all files."""
    folder = os.path.join(root, "PC01")
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    fixture = _fixture()
    names = list(fixture)
    filler_of = {name: comp for name, comp, _ in FACT_FILLER}
    handles = {name: open(os.path.join(folder, name), "w", encoding="utf-8", newline="") for name in names}
    records = filler_facts = 0
    try:
        base = fixture["ScanAgent.log"][0].local
        assert base is not None
        for k in range(scans):
            shift = timedelta(hours=2 * k)
            start = base + shift - timedelta(minutes=30)
            for j in range(noise):
                t = start + timedelta(milliseconds=j * 10)
                if fact_share and rng.random() < fact_share:
                    name, comp, msg = FACT_FILLER[j % len(FACT_FILLER)]
                    handles[name].write(record(msg, t, comp, 4242, "1"))
                    filler_facts += 1
                else:
                    name = names[j % len(names)]
                    comp = filler_of.get(name) or fixture[name][0].component
                    handles[name].write(record(f"CCcmExec::Idle - heartbeat {j} ok, nothing to do for {comp}",
                                               t, comp, 4242, "1"))
            for name, entries in fixture.items():
                fh = handles[name]
                for e in entries:
                    msg = e.message
                    for old in IDS:
                        new = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{old}{k}")).upper()
                        msg = msg.replace(old, new).replace(old.lower(), new.lower())
                    assert e.local is not None
                    fh.write(record(msg, e.local + shift, e.component, e.thread, _SEV[e.severity]))
            records += noise + sum(len(v) for v in fixture.values())
    finally:
        for fh in handles.values():
            fh.close()
    size = sum(os.path.getsize(os.path.join(folder, n)) for n in names)
    return Corpus(folder, records, size, filler_facts)


def preset(root: str, name: str, scale: float = 1.0, *, noise_scale: float = 1.0) -> Corpus:
    """A preset corpus: ``scale`` multiplies the scans (and so the records), ``noise_scale`` only the filler."""
    scans, noise, share = PRESETS[name]
    return build(root, max(1, round(scans * scale)), round(noise * noise_scale), share)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="realistic")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--noise-scale", type=float, default=1.0)
    args = ap.parse_args()
    c = preset(args.out, args.preset, args.scale, noise_scale=args.noise_scale)
    print(f"{c.folder}: {c.records:,} records, {c.bytes / 1e6:.1f} MB, {c.filler_facts:,} filler facts")


if __name__ == "__main__":
    main()
