"""Rules for the management point, the site server and WSUS: MP_Location, MP_Relay, MPFDM,
StateSys, WSyncMgr, SMSDBMON, PolicyPv, WCM, WSUSCtrl, SoftwareDistribution.log and IIS.
"""

from __future__ import annotations

from sumtrace.flows.rule import G, Rule, rule
from sumtrace.flows.vocab import Role

MP_LOCATION = [
    rule("mp_request_body", "scan", "mp_lookup", r"MP LM: Message Body\s*:\s*\\?<WSUSLocationRequest"),
    rule("mp_calling", "scan", "mp_lookup", r"MP LM: calling MP_GetWSUSServerLocations"),
    rule("mp_reply_body", "scan", "mp_lookup", r"MP LM: Reply message body:", (), "done"),
]

MP_RELAY = [
    rule("relay_start", "scan", "mp_relay", r"Mp Message Handler: start message processing for Relay"),
    rule("relay_filetype", "scan", "mp_relay", r"Mp Message Handler: FileType=(\w+)", ("file_type",)),
    rule("relay_body", "scan", "mp_relay", r"^Message Body\s*:"),
    rule("relay_processing", "scan", "mp_relay", r"Inv-Relay Task: Processing message body"),
    rule("relay_outbox", "scan", "mp_relay", r"Relay: Outbox dir: (.*)$", ("outbox",)),
    rule("relay_priority", "scan", "mp_relay", r"^Priority in the message = (\d+)", ("priority",)),
    rule("relay_state_dir", "scan", "mp_relay", r"State Priority Directory = (.*)$", ("state_dir",)),
    rule("relay_done", "scan", "mp_relay", r"Inv-Relay: Task completed successfully", (), "done"),
]

MPFDM = [
    # Site servers live under ``C:\\Program Files\\...``: the paths hold spaces, so they are matched up to " to ".
    rule("fdm_moved", "scan", "mp_relay", r"Moved file (.+?([^\\/]+\.SMX)) to (.+?)\s*$", ("source", "smx", "target"), "done"),
]

_SUM_TASK = r"((?:SUM[ _]|<)[^']*)"  # software-update summarization tasks ('SUM Update Status Summarizer'); '<TaskName>' in the seed

STATESYS = [
    rule("ss_inbox_trigger", "scan", "state_processing", r"Inbox notification triggered, pause for"),
    rule("ss_found", "scan", "state_processing", r"Found new state messages to process, starting processing thread"),
    rule("ss_thread_started", "scan", "state_processing", r'Thread "State Message Processing Thread #\d+" id:(\d+) started',
       ("thread",)),
    rule("ss_chunks", "scan", "state_processing", r"total ch(?:unks|ucks) loaded \((\d+)\)", ("chunks",)),
    rule("ss_processing_file", "scan", "state_processing", r"CMessageProcessor - Processing file: (\S+)", ("smx",)),
    # Current branch names the sender and the file on every line, verbose or not:
    # "Processed 1 records with 0 invalid records from sender: CM1.CORP.CONTOSO.COM/SMS_..., file: N_1iucexc1.SMX."
    rule("ss_records", "scan", "state_processing",
       r"CMessageProcessor - Processed (\d+) records with (\d+) invalid records"
       r"(?: from sender: ([^,]*?), file: ([^\s,]+?\.SMX))?", ("records", "invalid", "sender", "smx")),
    rule("ss_batch", "scan", "state_processing",
       r"CMessageProcessor - Processed (\d+) message files in this batch, with (\d+) bad files", ("files", "bad"), "done"),
    # The processing thread's normal end closes a batch (the only end a non-verbose log writes).
    rule("ss_thread_done", "scan", "state_processing",
       r'Thread "State Message Processing Thread #\d+" id:(\d+) terminated normally', ("thread",), "done"),
    rule("ss_thread_ended", "scan", "state_processing", r'Thread "State Message Processing Thread #\d+" id:(\d+) terminated',
       ("thread",)),
    # Only the software-update summarization tasks are the scan's summarization; StateSys runs dozens of others.
    rule("ss_task_started", "scan", "summarization", r"Started task '" + _SUM_TASK + "'", ("task",)),
    rule("ss_task_done", "scan", "summarization",
       r"Task '" + _SUM_TASK + r"' completed successfully after running for (\d+) seconds, with status (\d+)",
       ("task", "seconds", "status"), "done"),
    rule("ss_task_failed", "scan", "summarization", r"Task '" + _SUM_TASK + r"' (?:failed|did not complete)", ("task",), "fail"),
]

# WSyncMgr: a sync run and its phases. The rule's step is the phase the wording names; the wsus_sync
# kind places each record by the run's progress (a WSUS server synchronized after the primary set its
# content version is a replica; a failure is the current phase's). Status messages (STATMSG IDs of
# SMS_WSUS_SYNC_MANAGER): 6701 started, 6702 done, 6703 failed, 6704 phase WSUS, 6705 phase SMS
# database, 6706 phase replica (internet-facing) WSUS, 6707 out of sync, 6700 error.
WSYNCMGR = [
    rule("ws_content_version", "policy", "sync",
       r"Set content version of update source " + G + r" for site (\w+) to (\d+)", ("update_source", "site", "content_version"),
       "done"),
    rule("ws_sync_retry", "wsus_sync", "failure", r"^Sync failed\. Will retry in (\d+) minutes", ("retry_minutes",), "fail"),
    rule("ws_sync_failed", "wsus_sync", "failure", r"^Sync failed: (.*?)(?:\.\s*Source: (.*?))?\s*$", ("reason", "source"), "fail"),
    rule("ws_statmsg_failed", "wsus_sync", "failure", r"STATMSG: ID=6703\b.*?ISTR0=\"([^\"]*)\"", ("reason",), "fail"),
    rule("ws_statmsg_error", "wsus_sync", "failure", r"STATMSG: ID=6700\b.*?ISTR0=\"([^\"]*)\"", ("reason",), "warn"),
    rule("ws_statmsg_out_of_sync", "wsus_sync", "failure", r"STATMSG: ID=6707\b.*?ISTR0=\"([^\"]*)\"", ("server",), "warn"),
    rule("ws_trigger", "wsus_sync", "start", r"^Performing sync on (.+?)\s*$", ("trigger",)),
    rule("ws_local_request", "wsus_sync", "start", r"^Found local sync request file"),
    rule("ws_starting", "wsus_sync", "start", r"^Starting Sync\b|STATMSG: ID=6701\b"),
    rule("ws_wsus_statmsg", "wsus_sync", "wsus_sync", r"STATMSG: ID=6704\b.*?ISTR0=\"([^\"]*)\"", ("server",)),
    rule("ws_wsus_server", "wsus_sync", "wsus_sync", r"^Synchronizing WSUS Server ([^\s~]+)", ("server",)),
    rule("ws_wsus_progress", "wsus_sync", "wsus_sync", r"^sync: (?:Starting WSUS synchronization|WSUS synchroniz)"),
    rule("ws_wsus_done", "wsus_sync", "wsus_sync", r"^Done synchronizing WSUS Server ([^\s~]+)", ("server",), "done"),
    rule("ws_db_statmsg", "wsus_sync", "site_db", r"STATMSG: ID=6705\b"),
    rule("ws_db_server", "wsus_sync", "site_db", r"^Synchronizing SMS database with WSUS server ([^\s~]+)", ("server",)),
    rule("ws_db_progress", "wsus_sync", "site_db", r"^sync: SMS (?:synchroniz|performing)"),
    rule("ws_db_done", "wsus_sync", "site_db", r"^Done synchronizing SMS with WSUS Server ([^\s~]+)", ("server",), "done"),
    rule("ws_replica_statmsg", "wsus_sync", "replicas", r"STATMSG: ID=6706\b.*?ISTR0=\"([^\"]*)\"", ("server",)),
    rule("ws_succeeded", "wsus_sync", "content_version", r"^Sync succeeded\b|STATMSG: ID=6702\b", (), "done"),
    rule("ws_items_updated", "wsus_sync", "content_version",
       r"^Updated (\d+) items in SMS database, new update source content version is (\d+)", ("items", "content_version"), "done"),
    rule("ws_sync_time", "wsus_sync", "content_version", r"^Sync time: (\S+)", ("duration",)),
]

SMSDBMON = [
    rule("db_rcv_sync_status", "policy", "scan_tool_notification",
       r"RCV: UPDATE on Update_SyncStatus for UpdSyncStatus_iu \[" + G + r"\]", ("update_source",)),
    rule("db_dropped_stn", "policy", "scan_tool_notification", r"SND: Dropped .*?" + G + r"\.STN", ("update_source",), "done"),
]

POLICYPV = [
    rule("pv_found_stn", "policy", "policy_provider", r"Found " + G + r"\.STN", ("update_source",)),
    rule("pv_added_tool", "policy", "policy_provider", r"Added Scan Tool ID " + G, ("update_source",), "done"),
    rule("pv_delete_list", "policy", "policy_provider", r"Adding to delete list: .*?" + G + r"\.STN", ("update_source",)),
]

WSUS_SERVER = [
    rule("sd_manual_start", "wsus_sync", "start",
       r"Synchronization manually started|EventId=382,|EventId=381,", ()),
    rule("sd_sync_done", "wsus_sync", "wsus_sync", r"EventId=384,", (), "done"),
    rule("sd_sync_failed", "wsus_sync", "failure", r"EventId=386,|Category=Synchronization,.*fail", (), "fail"),
    rule("sd_subscription", "wsus_sync", "wsus_sync", r"ServerSyncWebService|Synchronization Agent|CatalogSyncAgent"),
]

# WCM (SMS_WSUS_CONFIGURATION_MANAGER): the WSUS configuration of the site, its subscription (products,
# classifications, languages), and a connection to each software update point's WSUS every hour.
# The rule's step is a first guess; the wsus_health kind attributes each record to the server WCM is
# working on (the local, active WSUS or a remote SUP) from the "Attempting connection" before it.
# "cycle" records end one round of checks ("Waiting for changes for N minutes").
WCM = [
    rule("wcm_wait", "wsus_health", "cycle", r"^Waiting for changes for (\d+) minutes", ("minutes",)),
    rule("wcm_config_state", "wsus_health", "subscription",
       r"Setting new configuration state to (\d+) \((WSUS_CONFIG_\w+)\)", ("state_code", "state")),
    rule("wcm_set_state_failed", "wsus_health", "subscription", r"SetConfigurationState failed, error (\w+)", ("error",), "warn"),
    rule("wcm_config_done", "wsus_health", "subscription",
       r"Configuration successful\. Will wait for (\d+) minutes? for any subscription or proxy changes", ("minutes",)),
    rule("wcm_categories", "wsus_health", "subscription", r"Subscribed Update Categories (.*)$", ("categories",)),
    rule("wcm_refreshing", "wsus_health", "subscription", r"Refreshing categories from WSUS server"),
    rule("wcm_refreshed", "wsus_health", "subscription", r"Successfully refreshed categories from WSUS server", (), "done"),
    rule("wcm_refresh_failed", "wsus_health", "subscription",
       r"(?:Failed|Unable) to (?:refresh categories|set (?:the )?subscription|subscribe|sync categor)(.*)$", ("reason",), "fail"),
    rule("wcm_verify_active", "wsus_health", "subscription", r"Verify Upstream Server settings on the Active WSUS Server"),
    rule("wcm_verify", "wsus_health", "sup_connection", r"Verify Upstream Server settings on the WSUS Server ([^\s~]+)",
       ("server",)),
    rule("wcm_upstream_ok", "wsus_health", "subscription",
       r"(?:No changes - WSUS Server settings are correctly configured and Upstream Server is set to"
       r"|Successfully configured WSUS Server settings and Upstream Server to) ([^~]+?)~?\s*$", ("upstream",), "done"),
    rule("wcm_connect_local", "wsus_health", "sup_connection", r"Attempting connection to local WSUS server"),
    rule("wcm_connected_local", "wsus_health", "sup_connection", r"Successfully connected to local WSUS server", (), "done"),
    rule("wcm_connect", "wsus_health", "sup_connection",
       r"Attempting connection to WSUS server: ([^,\s]+), port: (\d+)", ("server", "port")),
    rule("wcm_connected", "wsus_health", "sup_connection",
       r"Successfully connected to server: ([^,\s]+), port: (\d+)", ("server", "port"), "done"),
    rule("wcm_remote_failed", "wsus_health", "sup_connection",
       r"Remote connection failed with exception '([^~']*)", ("reason",), "warn"),
    rule("wcm_connect_failed", "wsus_health", "sup_connection",
       r"(?:Failed|Unable) to connect to (?:the )?(local )?WSUS server:? ?([^\s,~]*)(.*)$", ("local", "server", "reason"), "warn"),
    rule("wcm_active_sup", "wsus_health", "sup_connection", r"^\s*SUP(\d+): ([^\s,]+), group = ", ("index", "server")),
    rule("wcm_statmsg_error", "wsus_health", "subscription", r"STATMSG: ID=(\d+) SEV=E\b", ("statmsg",), "fail"),
    rule("wcm_statmsg_warning", "wsus_health", "subscription", r"STATMSG: ID=(\d+) SEV=W\b", ("statmsg",), "warn"),
]

# WSUSCtrl (SMS_WSUS_CONTROL_MANAGER): the hourly health check of the site's WSUS server.
WSUSCTRL = [
    rule("ctrl_wait", "wsus_health", "cycle", r"^~?Waiting for changes for (\d+) minutes", ("minutes",)),
    rule("ctrl_healthy", "wsus_health", "wsus_control",
       r"There are no unhealthy WSUS Server components on WSUS Server ([^\s~]+)", ("server",), "done"),
    rule("ctrl_db_ok", "wsus_health", "wsus_control",
       r"Successfully checked database connection on WSUS server ([^\s~]+)", ("server",), "done"),
    rule("ctrl_proxy_ok", "wsus_health", "wsus_control", r"No changes - local WSUS Server Proxy settings are correctly configured"),
    rule("ctrl_component_errors", "wsus_health", "wsus_control",
       r"Errors were reported in these WSUS Server components (.*?),? on WSUS Server ([^\s~]+)", ("components", "server"), "fail"),
    rule("ctrl_check_failed", "wsus_health", "wsus_control",
       r"Failures reported during periodic health check by the WSUS Server ([^\s.~]+(?:\.[^\s.~]+)*)\.? Will retry check in (\d+) minutes",
       ("server", "retry_minutes"), "fail"),
    rule("ctrl_connect_failed", "wsus_health", "wsus_control",
       r"(?:Failed|Unable) to (?:connect to (?:the )?(?:local )?WSUS server|check database connection)(.*)$", ("reason",), "fail"),
    rule("ctrl_statmsg_error", "wsus_health", "wsus_control", r"STATMSG: ID=(\d+) SEV=E\b", ("statmsg",), "fail"),
    rule("ctrl_statmsg_warning", "wsus_health", "wsus_control", r"STATMSG: ID=(\d+) SEV=W\b", ("statmsg",), "warn"),
]

IIS_RULES = [
    rule("iis_ccm_post", "scan", "mp_relay", r"\bCCM_POST /ccm_system/request\b"),
    rule("iis_wsus_client", "scan", "wua_search", r"\bPOST /(?:ClientWebService/client\.asmx|SimpleAuthWebService/SimpleAuth\.asmx)\b"),
]

TABLES: dict[str, list[Rule]] = {
    "mp_locationmanager": MP_LOCATION,
    "mp_relayendpoint": MP_RELAY,
    "sms_mp_file_dispatch_manager": MPFDM,
    "sms_state_system": STATESYS,
    "sms_wsus_sync_manager": WSYNCMGR,
    "sms_database_notification_monitor": SMSDBMON,
    "sms_policy_provider": POLICYPV,
    "wsus": WSUS_SERVER,
    "iis": IIS_RULES,
    "sms_wsus_configuration_manager": WCM,
    "sms_wsus_control_manager": WSUSCTRL,
}

# Which machine writes each component (everything else is the client).
ROLES: dict[str, Role] = {
    "mp_locationmanager": "mp", "mp_relayendpoint": "mp", "sms_mp_file_dispatch_manager": "mp",
    "sms_state_system": "server", "sms_wsus_sync_manager": "server", "sms_database_notification_monitor": "server",
    "sms_policy_provider": "server", "wsus": "server",
    "sms_wsus_configuration_manager": "server", "sms_wsus_control_manager": "server",
}
