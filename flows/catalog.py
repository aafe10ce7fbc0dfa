"""The steps of each flow kind, in order, with the durations the seeds give them.

Keys are stable: JSON consumers, the README and the TUI refer to them. ``expected`` is how long a
step may take after the previous one before it is called stalled; the numbers come from the
seed documents (the 2-minute Group Policy wait plus 30 s for WUA, the 15-minute state message
cycle, hourly SUM summarization) with a margin for busy machines. Each step also carries what the tracker needs to know about it
(the hint shown when it stalls, the scan restart rule, the IDs that join it across machines), so a
new flow kind is its steps here, its rules in :mod:`sumtrace.flows.classify` and one module in
:mod:`sumtrace.flows.kinds`.
"""

from __future__ import annotations

from datetime import timedelta

from sumtrace.flows.model import StepSpec
from sumtrace.flows.vocab import FlowKind

M = timedelta(minutes=1)

SCAN_STEPS: tuple[StepSpec, ...] = (
    StepSpec("policy", "UpdateSource policy", "client", ("scanagent",), 5 * M,
             "ScanAgent has the UpdateSource policy and its content version", stall_hint="no_policy", restart_at=1),
    StepSpec("location_request", "WSUS location request", "client", ("scanagent", "locationservices"), 2 * M,
             "ScanJob asks Location Services; LocationServices persists and sends the WSUSLocationRequest", stall_hint="location_request", restart_at=5),
    StepSpec("mp_send", "Request sent to MP", "client", ("ccmmessaging",), 2 * M,
             "CcmMessaging sends the message to mp_locationmanager", stall_hint="mp_send"),
    StepSpec("mp_lookup", "MP looks up WSUS", "mp", ("mp_location",), 5 * M,
             "MP_Location.log: request body, MP_GetWSUSServerLocations, reply body", stall_hint="location_timeout", joins=('update_source', 'content_version', 'client_ip')),
    StepSpec("mp_reply", "MP reply received", "client", ("ccmmessaging",), 5 * M,
             "CcmMessaging: the reply is delivered to LS_ReplyLocations", stall_hint="location_timeout"),
    StepSpec("locations", "WSUS locations", "client", ("locationservices", "scanagent"), 2 * M,
             "LocationServices parses the reply and calls back; ScanAgent OnLocationUpdate", stall_hint="location_timeout"),
    StepSpec("update_source", "Update source set", "client", ("scanagent", "wuahandler", "windowsupdate"), 3 * M,
             "WUAHandler adds the source, sets the managed server policy and waits up to 2 min for Group Policy", stall_hint="gp_timeout", restart_at=8),
    StepSpec("scan_request", "Scan requested", "client", ("scanagent", "wuahandler"), 2 * M,
             "UpdateSource state message, scan requested, WUAHandler search criteria and async search started", stall_hint="no_wuahandler", restart_at=9),
    StepSpec("wua_search", "WUA searches WSUS", "client", ("windowsupdate",), 30 * M,
             "WindowsUpdate.log: search start, WSUS server URL, updates found, end", stall_hint="search_stalled", restart_at=10),
    StepSpec("search_complete", "Search completed", "client", ("wuahandler",), 30 * M,
             "WUAHandler: async search completed", stall_hint="search_stalled"),
    StepSpec("results", "Scan results", "client", ("wuahandler", "scanagent"), 5 * M,
             "Superseded updates pruned, Update (Installed|Missing) lines, scan completed", stall_hint="scan_failed"),
    StepSpec("update_states", "Update states recorded", "client", ("updatesstore", "statemessage"), 5 * M,
             "UpdatesStore statuses and StateMessage TopicType 500 records", stall_hint="scan_failed"),
    StepSpec("state_upload", "State messages sent", "client", ("statemessage", "ccmmessaging"), 20 * M,
             "StateMessage body forwarded; CcmMessaging posts to mp_relayendpoint (15-minute cycle)", stall_hint="state_not_forwarded"),
    StepSpec("mp_relay", "MP relays to site", "mp", ("mp_relay", "mpfdm", "iis"), 10 * M,
             "IIS CCM_POST, MP_Relay writes the SMX, MPFDM moves it to the site server", stall_hint="relay", joins=('state_topic', 'serial', 'netbios', 'time')),
    StepSpec("state_processing", "StateSys processes", "server", ("statesys",), 15 * M,
             "StateSys loads the SMX files: records, invalid records, bad files", stall_hint="state_processing", joins=('smx_file', 'time')),
    StepSpec("summarization", "SUM summarization", "server", ("statesys",), 75 * M,
             "StateSys runs the SUM summarization tasks (a site-wide task on its own schedule, hourly by default)",
             stall_hint="summarization", joins=('time',), awaited=False),
)

POLICY_STEPS: tuple[StepSpec, ...] = (
    StepSpec("sync", "SUP sync sets content version", "server", ("wsyncmgr",), 0 * M,
             "WSyncMgr sets the UpdateSource content version after a sync", stall_hint="wsus_sync"),
    StepSpec("scan_tool_notification", "SMSDBMON drops .STN", "server", ("smsdbmon",), 5 * M,
             "SMSDBMON drops {UpdateSource}.STN into policypv.box", stall_hint="policy_chain", joins=('update_source',)),
    StepSpec("policy_provider", "Policy Provider updates policy", "server", ("policypv",), 10 * M,
             "PolicyPv finds the .STN and updates the UpdateSource policy", stall_hint="policy_chain", joins=('update_source',)),
    StepSpec("policy_download", "Client downloads policy", "client", ("policyagent",), 24 * 60 * M,
             "PolicyAgent downloads and compiles the UpdateSource policy (next policy cycle)", stall_hint="policy_chain", joins=('time',)),
    StepSpec("policy_apply", "Client applies policy", "client", ("policyevaluator",), 5 * M,
             "PolicyEvaluator updates and applies the policy", stall_hint="policy_chain", joins=('time',)),
    StepSpec("scan_agent_notified", "ScanAgent notified", "client", ("scanagent",), 5 * M,
             "ScanAgent OnPolicyChange", stall_hint="policy_chain"),
)

# One WSyncMgr synchronization run. Its verdict is the primary sync (WSUS phase, site database
# phase, content version); a replica SUP that fails afterwards is a warning on a successful run.
WSUS_SYNC_STEPS: tuple[StepSpec, ...] = (
    StepSpec("start", "Sync started", "server", ("wsyncmgr", "softwaredistribution"), 0 * M,
             "A scheduled, manual or retry synchronization starts (WSyncMgr 'Performing sync on ...', STATMSG 6701; "
             "SoftwareDistribution.log 381/382)", stall_hint="wsus_sync"),
    StepSpec("wsus_sync", "WSUS syncs with upstream", "server", ("wsyncmgr", "softwaredistribution"), 60 * M,
             "The site's WSUS synchronizes with Microsoft Update or its upstream (STATMSG 6704, 'Done synchronizing "
             "WSUS Server'; SoftwareDistribution.log 384/386)", stall_hint="wsus_sync"),
    StepSpec("site_db", "Site database sync", "server", ("wsyncmgr",), 120 * M,
             "WSyncMgr synchronizes the site database with WSUS (STATMSG 6705, 'sync: SMS synchronizing updates')",
             stall_hint="wsus_sync"),
    StepSpec("content_version", "Content version set", "server", ("wsyncmgr",), 30 * M,
             "WSyncMgr sets the UpdateSource content version and reports the sync done ('Sync succeeded', STATMSG 6702)",
             stall_hint="wsus_sync"),
    StepSpec("replicas", "Replica SUPs", "server", ("wsyncmgr",), 0 * M,
             "The site's other software update points sync from the primary WSUS (STATMSG 6706); a failure here is a "
             "warning, the primary sync already succeeded", stall_hint="replica_sync", awaited=False),
)

# A client re-evaluating updates without asking the SUP: offline searches by UpdateID or category
# after an online scan, deployment evaluations (UpdatesDeployment EvaluateAssignments), evaluations
# from the cached scan results. No location request, no AddUpdateSource: those steps do not exist here.
EVALUATION_STEPS: tuple[StepSpec, ...] = (
    StepSpec("trigger", "Evaluation requested", "client", ("updatesdeployment", "updateshandler", "scanagent"), 0 * M,
             "UpdatesDeployment evaluates assignments, or ScanAgent is asked for a scan by update ID", stall_hint="scan_failed",
             awaited=False),
    StepSpec("wua_search", "Offline search", "client", ("windowsupdate", "wuahandler"), 30 * M,
             "WindowsUpdate.log: CcmExec searches with Online = No (by UpdateID or category)", stall_hint="search_stalled"),
    StepSpec("results", "Evaluation results", "client", ("wuahandler", "updatesstore", "updatesdeployment"), 5 * M,
             "WUAHandler search completed, UpdatesStore update statuses", stall_hint="scan_failed", awaited=False),
)

# The client's Software Updates agent: is it configured and enabled, does it act on the UpdateSource policy.
CLIENT_AGENT_STEPS: tuple[StepSpec, ...] = (
    StepSpec("client_settings", "Client settings policy", "client", ("scanagent", "updatesdeployment"), 0 * M,
             "The Software Updates client configuration policy has arrived (else default settings are used)",
             stall_hint="no_policy", awaited=False),
    StepSpec("feature", "Software Updates agent", "client", ("updatesdeployment",), 0 * M,
             "UpdatesDeployment at start-up: the Software Updates feature is enabled or disabled",
             stall_hint="agent_disabled", awaited=False),
    StepSpec("update_source_policy", "UpdateSource policy", "client", ("scanagent",), 0 * M,
             "ScanAgent is notified of the UpdateSource (scan tool) policy", stall_hint="policy_chain", awaited=False),
    StepSpec("scan_jobs", "Scan jobs", "client", ("scanagent",), 0 * M,
             "ScanAgent creates scan jobs for the UpdateSource policy", stall_hint="agent_disabled", awaited=False),
)

# The site's WSUS as ConfigMgr sees it, per round of checks: WCM's configuration, subscription and SUP
# connections (hourly), WSUSCtrl's health check (hourly). Nothing here is awaited; a problem is what a
# check's own record says. ``expected`` only bounds how long a check may sit half-way (pending state).
WSUS_HEALTH_STEPS: tuple[StepSpec, ...] = (
    StepSpec("subscription", "WSUS configuration and subscription", "server", ("wcm",), 5 * M,
             "WCM configures the active WSUS (upstream server), its subscription (products, classifications) and the "
             "configuration state (WSUS_CONFIG_SUCCESS), and refreshes categories", stall_hint="wsus_subscription",
             awaited=False),
    StepSpec("sup_connection", "SUP connections", "server", ("wcm",), 5 * M,
             "WCM connects to the local WSUS and to each other software update point's WSUS and checks its upstream; "
             "a remote SUP that cannot be reached is a warning", stall_hint="sup_connection", awaited=False),
    StepSpec("wsus_control", "WSUS health check", "server", ("wsusctrl",), 5 * M,
             "WSUSCtrl checks the WSUS server's components, its database connection and proxy settings",
             stall_hint="wsus_control", awaited=False),
)

STEPS_BY_KIND: dict[FlowKind, tuple[StepSpec, ...]] = {
    "scan": SCAN_STEPS,
    "evaluation": EVALUATION_STEPS,
    "policy": POLICY_STEPS,
    "wsus_sync": WSUS_SYNC_STEPS,
    "client_agent": CLIENT_AGENT_STEPS,
    "wsus_health": WSUS_HEALTH_STEPS,
}

STEP_INDEX: dict[FlowKind, dict[str, int]] = {
    kind: {s.key: i for i, s in enumerate(specs)} for kind, specs in STEPS_BY_KIND.items()
}


def spec(kind: FlowKind, key: str) -> StepSpec:
    return STEPS_BY_KIND[kind][STEP_INDEX[kind][key]]
