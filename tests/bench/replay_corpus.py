"""A replay bundle of a chosen size and fact density, for the replay and TUI benchmarks.

Real client logs are mostly chatter: a scan's evidence is a few hundred records among the tens of
thousands a client writes in a day (content transfer, configuration items, inventory). The
multi-client set (:mod:`tests.multiclient`) is the opposite: about 60 % of its records are flow
evidence, the worst case. A corpus here is a multi-client set sized to give the wanted number of
facts, plus "noise" logs in each client's folder (DataTransferService, ContentTransferManager,
CIAgent, SDMAgent, CAS: known update-path logs, so discovery reads them without ``--all-logs``) whose
records spread over the set's time span in the client's own bias, so a replay interleaves them
with the scans exactly as a real bundle does.

``density`` at or above the bare set's own (about 0.6) means the bare multi-client set (no noise):
the worst case. The fact count is measured by classifying the set's records (never assumed), and
the corpus is written as a zip bundle (``bundle.zip``, as collected logs arrive) or a folder.
Written corpora are cached under ``$TMPDIR/sumtrace-replay-corpus`` by their parameters, since a
million records take a minute to build. (``tests/bench/corpus.py`` is another generator: one
client's CMTrace logs for the parse and report benchmarks.)
"""

from __future__ import annotations

import json
import os
import random
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sumtrace.flows.classify import classify  # noqa: E402
from sumtrace.parsers.stream import parse_bytes  # noqa: E402
from tests.multiclient import build_set, set_tracks  # noqa: E402

NOISE: dict[str, list[str]] = {
    "DataTransferService": ["DTSJob {g} in state 'DownloadingData'.", "CDTSJob::JobTransferred for {g}",
                            "DTSJob {g} in state 'RetrievedManifest'.", "Persisted job {g}",
                            "GetDirectoryList_HTTP('http://PS1SITE.CONTOSO.COM:80/SMS_DP_SMSPKG$/{g}') failed "
                            "with code 0x87d0027e."],
    "ContentTransferManager": ["CTM job {g} (corresponding DTS job {g}) started download from "
                               "'http://PS1SITE.CONTOSO.COM/SMS_DP_SMSPKG$/PS100042' for full content download.",
                               "CTM job {g} entered phase CCM_DOWNLOADSTATUS_DOWNLOADING_DATA",
                               "CCMHTTP::Execute - Error when sending request. Error = 0x80072ee2"],
    "CIAgent": ["CIAgentJob({g}): CAgentJob::VerifyCIsToBeLoaded - Loaded CI ScopeId_{g}/RequiredApplication_1",
                "CCIInfo::SetDCMCINotCompliant - Setting DCM CI not compliant. CI = ScopeId_{g}",
                "[CCIInfo] Unable to find item ScopeId_{g} in the store"],
    "SDMAgent": ["CSDMAgentConfig::GetManagedInstallerState - Policy not found: 0x80041013",
                 "SettingsAgent: Loading settings for {g}", "SDM: CI {g} has been evaluated"],
    "CAS": ["Location update from CTM for content {g} and request {g}",
            "Download location found 0 - http://PS1SITE.CONTOSO.COM/SMS_DP_SMSPKG$/{g}",
            "Raising event: instance of CCM_CAS_ContentRequest"],
}
GUID = "{{{:08X}-4738-4032-9CD8-0160C06BB3FF}}"


@dataclass
class Corpus:
    """Where a corpus is and what it holds (measured, not assumed)."""

    path: str
    records: int
    facts: int
    bytes: int
    clients: int

    @property
    def density(self) -> float:
        return self.facts / max(1, self.records)

    def describe(self) -> str:
        return (f"{self.records:,} records, {self.bytes / 1e6:.0f} MB, {self.facts:,} facts "
                f"({100 * self.density:.1f} %), {self.clients} clients")


def _set_facts(files: dict[str, bytes]) -> tuple[int, int, dict[str, int | None]]:
    """(records, facts) of a multi-client set, by parsing and classifying it; and each folder's bias."""
    records = facts = 0
    biases: dict[str, int | None] = {}
    for t in set_tracks(files):
        biases.setdefault(t.host, t.bias)
        for e in parse_bytes(t.path, files[t.path], host_bias=t.bias):
            records += 1
            if classify(e, t.host, (e.file, e.line)) is not None:
                facts += 1
    return records, facts, biases


def _noise(comp: str, rng: random.Random, times: list[datetime], bias: int) -> bytes:
    out = []
    lines = NOISE[comp]
    for i, utc in enumerate(times):
        roll = rng.random()
        typ = 3 if roll < 0.01 else 2 if roll < 0.04 else 1
        msg = lines[i % len(lines)].format(g=GUID.format(rng.getrandbits(32)))
        local = utc - timedelta(minutes=bias)
        out.append(f'<![LOG[{msg}]LOG]!><time="{local:%H:%M:%S}.{local.microsecond // 1000:03d}{bias:+d}" '
                   f'date="{local:%m-%d-%Y}" component="{comp}" context="" type="{typ}" '
                   f'thread="{3000 + i % 13}" file="{comp.lower()}.cpp:{100 + i % 900}">\r\n')
    return "".join(out).encode()


def build(records: int, density: float, seed: int = 0) -> tuple[dict[str, bytes], int, int, int]:
    """(files, records, facts, clients) for about ``records`` records with about ``density`` facts."""
    r20, f20, _ = _set_facts(build_set(20, seed)[0])
    worst = density >= f20 / r20 - 0.05
    want_facts = records * (f20 / r20 if worst else density)
    n = max(2, round(want_facts / (f20 / 20)))
    files, _ = build_set(n, seed)
    set_records, facts, biases = _set_facts(files)
    rest = max(0, records - set_records)
    if rest:
        span: list[datetime] = []
        for t in set_tracks(files):
            times = [e.utc for e in parse_bytes(t.path, files[t.path], host_bias=t.bias) if e.utc is not None]
            if times:
                span += [min(times), max(times)]
        lo, hi = min(span), max(span)
        clients = sorted(h for h in biases if h.startswith("client-"))
        comps = sorted(NOISE)
        rng = random.Random(seed)
        per_file = rest // (len(clients) * len(comps))
        extra = rest - per_file * len(clients) * len(comps)
        width = (hi - lo).total_seconds()
        for c in clients:
            bias = biases[c] or 0
            for comp in comps:
                k = per_file + (1 if extra > 0 else 0)
                extra -= 1
                times = sorted(lo + timedelta(seconds=rng.random() * width) for _ in range(k))
                files[f"{c}/{comp}.log"] = b"\xef\xbb\xbf" + _noise(comp, rng, times, bias)
                set_records += k
    return files, set_records, facts, n


def corpus(records: int, density: float, *, seed: int = 0, cache: str | None = None, bundle: bool = True) -> Corpus:
    """A corpus on disk (cached by its parameters): a zip bundle, or a folder with ``bundle=False``."""
    cache = cache or os.path.join(os.environ.get("TMPDIR", "/tmp"), "sumtrace-replay-corpus")
    root = os.path.join(cache, f"r{records}-d{density:g}-s{seed}-{'zip' if bundle else 'dir'}")
    meta = os.path.join(root, "corpus.json")
    if os.path.exists(meta):
        with open(meta) as fh:
            return Corpus(**json.load(fh))
    files, n_records, facts, clients = build(records, density, seed)
    os.makedirs(root, exist_ok=True)
    size = sum(len(d) for d in files.values())
    if bundle:
        path = os.path.join(root, "bundle.zip")
        with zipfile.ZipFile(path + ".part", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for rel, data in sorted(files.items()):
                zf.writestr(rel, data)
        os.replace(path + ".part", path)
    else:
        path = os.path.join(root, "logs")
        for rel, data in sorted(files.items()):
            full = os.path.join(path, rel)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as fh:
                fh.write(data)
    c = Corpus(path, n_records, facts, size, clients)
    with open(meta, "w") as fh:
        json.dump(c.__dict__, fh)
    return c


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="write (or find cached) a replay corpus")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--density", type=float, default=0.02)
    ap.add_argument("--folder", action="store_true", help="a folder instead of a zip bundle")
    a = ap.parse_args()
    t0 = time.perf_counter()
    got = corpus(a.records, a.density, bundle=not a.folder)
    print(f"{got.path}: {got.describe()} ({time.perf_counter() - t0:.1f} s)")
