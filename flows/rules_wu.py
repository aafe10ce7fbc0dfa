"""Rules for WindowsUpdate.log: the legacy text log and Get-WindowsUpdateLog's Windows 10+ output.
"""

from __future__ import annotations

from sumtrace.flows.rule import G, Rule, rule

WINDOWS_UPDATE = [
    rule("wu_server_changed", "scan", "update_source", r"\* WSUS server: <?([^>\s]+)>? \(Changed\)", ("wsus_url",)),
    rule("wu_status_server_changed", "scan", "update_source", r"\* WSUS status server: <?([^>\s]+)>? \(Changed\)"),
    rule("wu_sus_changed", "scan", "update_source", r"Sus server changed through policy"),
    rule("wu_search_start", "scan", "wua_search",
       r"(?:-- START --\s*COMAPI: Search \[ClientId = |\* START \*\s+(?:Federated )?Search ClientId = )([^\],\s]+)",
       ("caller",)),
    rule("wu_search_submitted", "scan", "wua_search", r"<<-- SUBMITTED -- COMAPI: Search \[ClientId = ([^\]]+)\]", ("caller",)),
    rule("wu_server_url", "scan", "wua_search", r"ServiceId = " + G + r", Server URL = <?([^>\s]+)>?", ("service", "wsus_url")),
    rule("wu_agent_start", "scan", "wua_search",
       r"(?:\*\* START \*\* Agent: Finding updates \[CallerId = |\* START \* Finding updates CallerId = )([^\]\s]+)",
       ("caller",)),
    rule("wu_include_superseded", "scan", "wua_search", r"\* Include potentially superseded updates"),
    rule("wu_online", "scan", "wua_search", r"\* Online = (\w+); Ignore download priority"),
    rule("wu_criteria", "scan", "wua_search", r"\* Criteria = "),
    rule("wu_service_managed", "scan", "wua_search", r"\* ServiceID = " + G + r" (\w+)", ("service", "mode")),
    rule("wu_scope", "scan", "wua_search", r"\* Search Scope = \{(\w+)\}", ("scope",)),
    rule("wu_added_update", "scan", "wua_search", r"Added update " + G + r"\.(\d+) ?to ?search result", ("update", "revision")),
    rule("wu_found", "scan", "wua_search", r"Found (\d+) updates and (\d+) categories in search", ("found", "categories")),
    rule("wu_agent_end", "scan", "wua_search",
       r"(?:\*\* END \*\* Agent: Finding updates \[CallerId = ([^\]]+)\]|\* END \* Finding updates CallerId = ([^,\s]+)"
       r"(?:, Id = \d+)?(?:, Exit code = (0x[0-9A-Fa-f]{8}))?)", ("caller", "caller2", "exit")),
    rule("wu_resumed", "scan", "wua_search", r">>-- RESUMED -- COMAPI: Search|\*RESUMED\*\s+Search ClientId"),
    rule("wu_updates_found", "scan", "wua_search", r"(?:^|COMAPI )- Updates found = (\d+)", ("found",)),
    rule("wu_search_end", "scan", "wua_search",
       r"(?:-- END --\s*COMAPI: Search \[ClientId = ([^\]]+)\]|\* END \*\s+Search ClientId = ([^,\s]+), Updates found = (\d+))",
       ("caller", "caller2", "found")),
    rule("wu_metadata_oom", "scan", "wua_search", r"GetUpdateMetadata2 failed, hr=([0-9A-Fa-f]{8})", ("hr",), "fail"),
    rule("wu_failure", "scan", "wua_search",
       r"^(?:WARNING|FATAL): .*(?:error|hr|exit code) ?=? ?(?:0x)?[0-9A-Fa-f]{8}|\*FAILED\* \[[0-9A-Fa-f]{8}\]", (), "fail"),
]

TABLES: dict[str, list[Rule]] = {"windowsupdate": WINDOWS_UPDATE}
