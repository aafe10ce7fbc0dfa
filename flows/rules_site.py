"""Rules for the management point, the site server and WSUS: MP_Location, MP_Relay, MPFDM,
StateSys, WSyncMgr, SMSDBMON, PolicyPv, SoftwareDistribution.log and IIS.
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
    rule("fdm_moved", "scan", "mp_relay", r"Moved file (\S+?([^\\/\s]+\.SMX)) to (\S+)", ("source", "smx", "target"), "done"),
]

STATESYS = [
    rule("ss_inbox_trigger", "scan", "state_processing", r"Inbox notification triggered, pause for"),
    rule("ss_found", "scan", "state_processing", r"Found new state messages to process, starting processing thread"),
    rule("ss_thread_started", "scan", "state_processing", r'Thread "State Message Processing Thread #\d+" id:(\d+) started',
       ("thread",)),
    rule("ss_chunks", "scan", "state_processing", r"total chucks loaded \((\d+)\)", ("chunks",)),
    rule("ss_processing_file", "scan", "state_processing", r"CMessageProcessor - Processing file: (\S+)", ("smx",)),
    rule("ss_records", "scan", "state_processing",
       r"CMessageProcessor - Processed (\d+) records with (\d+) invalid records", ("records", "invalid")),
    rule("ss_batch", "scan", "state_processing",
       r"CMessageProcessor - Processed (\d+) message files in this batch, with (\d+) bad files", ("files", "bad"), "done"),
    rule("ss_thread_done", "scan", "state_processing", r'Thread "State Message Processing Thread #\d+" id:(\d+) terminated',
       ("thread",)),
    rule("ss_task_started", "scan", "summarization", r"Started task '([^']*)'", ("task",)),
    rule("ss_task_done", "scan", "summarization",
       r"Task '([^']*)' completed successfully after running for (\d+) seconds, with status (\d+)",
       ("task", "seconds", "status"), "done"),
    rule("ss_task_failed", "scan", "summarization", r"Task '([^']*)' (?:failed|did not complete)", ("task",), "fail"),
]

WSYNCMGR = [
    rule("ws_content_version", "policy", "sync",
       r"Set content version of update source " + G + r" for site (\w+) to (\d+)", ("update_source", "site", "content_version"),
       "done"),
    rule("ws_starting", "wsus_sync", "start", r"^Starting Sync|STATMSG: ID=6701\b"),
    rule("ws_sync_server", "wsus_sync", "connect", r"Synchronizing WSUS Server|STATMSG: ID=6704\b"),
    rule("ws_sync_db", "wsus_sync", "connect", r"Synchronizing site database|STATMSG: ID=6705\b|^Synchronizing update "),
    rule("ws_succeeded", "wsus_sync", "complete", r"^Sync succeeded|STATMSG: ID=6702\b", (), "done"),
    rule("ws_failed", "wsus_sync", "complete", r"^Sync failed|STATMSG: ID=6703\b", (), "fail"),
    rule("ws_sync_time", "wsus_sync", "complete", r"^Sync time: (\S+)", ("duration",)),
]

SMSDBMON = [
    rule("db_rcv_sync_status", "policy", "scan_tool_notification",
       r"RCV: UPDATE on Update_SyncStatus for UpdSyncStatus_iu \[" + G + r"\]", ("update_source",)),
    rule("db_dropped_stn", "policy", "scan_tool_notification", r"SND: Dropped \S*?" + G + r"\.STN", ("update_source",), "done"),
]

POLICYPV = [
    rule("pv_found_stn", "policy", "policy_provider", r"Found " + G + r"\.STN", ("update_source",)),
    rule("pv_added_tool", "policy", "policy_provider", r"Added Scan Tool ID " + G, ("update_source",), "done"),
    rule("pv_delete_list", "policy", "policy_provider", r"Adding to delete list: \S*?" + G + r"\.STN", ("update_source",)),
]

WSUS_SERVER = [
    rule("sd_manual_start", "wsus_sync", "start",
       r"Synchronization manually started|EventId=382,|EventId=381,", ()),
    rule("sd_sync_done", "wsus_sync", "complete", r"EventId=384,", (), "done"),
    rule("sd_sync_failed", "wsus_sync", "complete", r"EventId=386,|Category=Synchronization,.*fail", (), "fail"),
    rule("sd_subscription", "wsus_sync", "connect", r"ServerSyncWebService|Synchronization Agent|CatalogSyncAgent"),
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
}

# Which machine writes each component (everything else is the client).
ROLES: dict[str, Role] = {
    "mp_locationmanager": "mp", "mp_relayendpoint": "mp", "sms_mp_file_dispatch_manager": "mp",
    "sms_state_system": "server", "sms_wsus_sync_manager": "server", "sms_database_notification_monitor": "server",
    "sms_policy_provider": "server", "wsus": "server",
}
