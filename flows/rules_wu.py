"""Rules for WindowsUpdate.log: the legacy text log and Get-WindowsUpdateLog's Windows 10+ output.
"""

from __future__ import annotations

from sumtrace.flows.rule import G, Rule, U, rule

# Callers are anything up to the bracket, comma or "Id =": real ones include spaces
# ("Windows Defender (77BDAF73-...)"), semicolons ("Update;ScanForUpdates") and nothing at all.
_CALLER = r"([^\],]*?)"
# Windows 10+ (Get-WindowsUpdateLog) writes the search's parameters without the legacy "* " prefix.
_P = r"^[\s*]*"

WINDOWS_UPDATE = [
    rule("wu_server_changed", "scan", "update_source", r"\* WSUS server: <?([^>\s]+)>? \(Changed\)", ("wsus_url",)),
    rule("wu_status_server_changed", "scan", "update_source", r"\* WSUS status server: <?([^>\s]+)>? \(Changed\)"),
    rule("wu_sus_changed", "scan", "update_source", r"Sus server changed through policy"),
    rule("wu_search_start", "scan", "wua_search",
         r"(?:--\s*START\s*--\s*COMAPI: Search \[ClientId = ([^\]]*)\]|\*\s*START\s*\*\s+(?:Federated )?Search ClientId = "
         r"([^,]*?)\s*(?:,|\(cV|$))", ("caller", "caller2")),
    rule("wu_search_submitted", "scan", "wua_search", r"<<--\s*SUBMITTED\s*--\s*COMAPI: Search \[ClientId = ([^\]]*)\]",
         ("caller",)),
    rule("wu_server_url", "scan", "wua_search", r"ServiceId = " + G + r", Server URL = <?([^>\s]+)>?", ("service", "wsus_url")),
    rule("wu_agent_start", "scan", "wua_search",
         r"(?:\*\*\s*START\s*\*\*\s*Agent: Finding updates \[CallerId = ([^\]]*)\]|\*\s*START\s*\*\s*Finding updates "
         r"CallerId = " + _CALLER + r"\s+Id = (\d+))", ("caller", "caller2", "search_id")),
    rule("wu_include_superseded", "scan", "wua_search", _P + r"Include potentially superseded updates"),
    rule("wu_online", "scan", "wua_search", _P + r"Online = (Yes|No);", ("online",)),
    rule("wu_criteria", "scan", "wua_search", _P + r"Criteria = (.{0,300})", ("criteria",)),
    rule("wu_service_managed", "scan", "wua_search", _P + r"ServiceID = " + G + r" ([\w ]+?)\s*$", ("service", "mode")),
    rule("wu_scope", "scan", "wua_search", _P + r"Search Scope = \{([^}]*)\}", ("scope",)),
    rule("wu_added_update", "scan", "wua_search", r"Added update \{?" + U + r"\}?\.(\d+) ?to ?search result",
         ("update", "revision")),
    rule("wu_found", "scan", "wua_search", r"Found (\d+) updates and (\d+) categories in search", ("found", "categories")),
    rule("wu_agent_end", "scan", "wua_search",
         r"(?:\*\*\s*END\s*\*\*\s*Agent: Finding updates \[CallerId = ([^\]]*)\]|\*\s*END\s*\*\s*Finding updates CallerId = "
         r"([^,]*?)(?:, Id = (\d+))?(?:, Exit code = (0x[0-9A-Fa-f]{8}))?\s*(?:\(cV|$))", ("caller", "caller2", "search_id", "exit")),
    # Legacy WindowsUpdate.log gives a search's result on its own line, on the search's thread:
    # "* WARNING: Exit code = 0x8024401B" (Agent), "- WARNING: Exit code = 0x00000000, Result code = 0x8024401B" (COMAPI).
    rule("wu_exit_code", "scan", "wua_search",
         r"^[\s*-]*(?:WARNING:\s*)?Exit code = (0x[0-9A-Fa-f]{1,8})(?:, Result code = (0x[0-9A-Fa-f]{1,8}))?",
         ("exit", "result")),
    rule("wu_resumed", "scan", "wua_search",
         r">>--\s*RESUMED\s*--\s*COMAPI: Search \[ClientId = ([^\]]*)\]|\*\s*RESUMED\s*\*\s+Search ClientId = ([^,]*?)\s*(?:,|\(cV|$)",
         ("caller", "caller2")),
    rule("wu_updates_found", "scan", "wua_search", r"^[\s-]*Updates found = (\d+)", ("found",)),
    rule("wu_search_end", "scan", "wua_search",
         r"(?:--\s*END\s*--\s*COMAPI: Search \[ClientId = ([^\]]*)\]|\*\s*END\s*\*\s+Search ClientId = ([^,]*?), "
         r"Updates found = (\d+))", ("caller", "caller2", "found")),
    # Failures of other Windows Update components (DownloadManager, SLS, the Store...) happen around
    # successful searches all the time: they are notes on the search they fall in, never its verdict.
    rule("wu_metadata_oom", "scan", "wua_search", r"GetUpdateMetadata2 failed, hr=([0-9A-Fa-f]{8})", ("hr",), "note"),
    rule("wu_failure", "scan", "wua_search",
         r"^(?:WARNING|FATAL): .*(?:error|hr|exit code) ?=? ?(?:0x)?[0-9A-Fa-f]{8}|\*FAILED\* \[[0-9A-Fa-f]{8}\]", (), "note"),
]

TABLES: dict[str, list[Rule]] = {"windowsupdate": WINDOWS_UPDATE}
