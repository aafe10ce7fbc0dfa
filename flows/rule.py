"""One wording of one log message, and the pieces patterns are built from.

The rule tables live in :mod:`sumtrace.flows.rules_client` (the ConfigMgr client's logs),
:mod:`sumtrace.flows.rules_wu` (WindowsUpdate.log, every generation) and
:mod:`sumtrace.flows.rules_site` (management point, site server, WSUS); :mod:`sumtrace.flows.classify`
puts them together by component.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sumtrace.flows.vocab import Outcome

G = r"(\{[^}]{1,60}\})"  # a braced GUID (or a documentation placeholder like {JobID})
U = r"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"  # bare GUID
HEX = r"(0x[0-9A-Fa-f]{8})"


def norm_guid(text: str) -> str:
    """``{c2d17964-bbdd- 4339...}`` and ``c2d17964-bbdd-4339-...`` → ``C2D17964-BBDD-4339-...``."""
    return "".join(text.split()).strip("{}").upper()


@dataclass(frozen=True, slots=True)
class Rule:
    """One wording: the rule's name, the flow and step it evidences, its pattern and what it captures.

    The pattern is compiled the first time it is needed (the literal prefilter usually spares a
    table's rules entirely), so ``report`` and ``parse`` do not pay for 150 compilations at start-up.
    """

    name: str
    flow: str
    step: str
    regex: str
    groups: tuple[str, ...] = ()
    outcome: Outcome = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.regex)


@functools.cache
def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


def rule(name: str, flow: str, step: str, regex: str, groups: tuple[str, ...] = (), outcome: Outcome = "") -> Rule:
    return Rule(name, flow, step, regex, groups, outcome)
