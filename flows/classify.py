"""Which step of which flow a log record speaks of: entries become facts.

Classification is stateless (one entry in, at most one fact out), so the order entries arrive
in cannot change what they mean; everything that needs context (which message a reply answers,
which scan a WUA search belongs to) is decided later, on time-sorted facts, in
:mod:`sumtrace.flows.build`. Patterns match the stable parts of each message so both generations of the
wording (ConfigMgr 2012 and current branch, legacy and Windows 10 WindowsUpdate.log) fit, and
GUID captures tolerate the stray spaces documentation copies put inside them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from sumtrace.flows.errorcodes import find_codes
from sumtrace.flows.vocab import Outcome, Role
from sumtrace.parsers.entry import Entry

G = r"(\{[^}]{1,60}\})"  # a braced GUID (or a documentation placeholder like {JobID})
U = r"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"  # bare GUID
HEX = r"(0x[0-9A-Fa-f]{8})"


def norm_guid(text: str) -> str:
    """``{c2d17964-bbdd- 4339...}`` and ``c2d17964-bbdd-4339-...`` → ``C2D17964-BBDD-4339-...``."""
    return "".join(text.split()).strip("{}").upper()


@dataclass(slots=True)
class Fact:
    """One classified record: the step it evidences and the IDs/values it carries."""

    name: str
    step: str
    flow: str
    utc: datetime
    order: tuple[str, int]
    host: str
    role: Role
    entry: Entry
    ids: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    outcome: Outcome = ""
    codes: list[int] = field(default_factory=list)
    rule_step: str = ""  # the step the rule gave; ``step`` is re-derived from it at every rebuild
    # The sort key (UTC, file, line), made once: stitching sorts and bisects by it constantly.
    key: tuple[datetime, str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rule_step:
            self.rule_step = self.step
        self.key = (self.utc, self.order[0], self.order[1])


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


def _r(name: str, flow: str, step: str, regex: str, groups: tuple[str, ...] = (), outcome: Outcome = "") -> Rule:
    return Rule(name, flow, step, regex, groups, outcome)


SCAN_AGENT = [
    _r("no_policy", "scan", "policy", r"Software Updates client configuration policy has not been received", (), "warn"),
    _r("policy_available", "scan", "policy", r"Policy available for UpdateSourceID=" + G + r"\s*ContentVersion=(\d+)",
       ("update_source", "content_version"), "done"),
    _r("policy_added", "scan", "policy",
       r"Added Policy to final ScanRequest List UpdateSourceID=" + G + r",\s*Policy-ContentVersion=(\d+)",
       ("update_source", "content_version"), "done"),
    _r("process_request", "scan", "location_request", r"Inside CScanAgent::ProcessScanRequest"),
    _r("jobmgr_scan", "scan", "location_request", r"CScanJobManager::Scan- entered"),
    _r("job_init", "scan", "location_request", r"ScanJob\(" + G + r"\): CScanJob::Initialize- entered", ("scan_job",)),
    _r("job_scan", "scan", "location_request", r"ScanJob\(" + G + r"\): CScanJob::Scan- entered", ("scan_job",)),
    _r("job_request_locations", "scan", "location_request", r"ScanJob\(" + G + r"\): CScanJob::RequestLocations- entered",
       ("scan_job",)),
    _r("requesting_locations", "scan", "location_request",
       r"Requesting WSUS Server Locations from LS for " + G + r" version (\d+)", ("update_source", "content_version")),
    _r("location_request_id", "scan", "location_request", r"Location Request ID = " + G, ("location_request",)),
    _r("persisted_job", "scan", "location_request", r"PersistInstanceInCache- Persisted Instance CCM_ScanJobInstance"),
    _r("locations_requested", "scan", "location_request",
       r"Locations requested for ScanJobID=" + G + r"\s*\(LocationRequestID=" + G + r"\)",
       ("scan_job", "location_request"), "done"),
    _r("location_update", "scan", "locations", r"WSUSLocationUpdate received for location request guid=" + G,
       ("location_request",)),
    _r("on_location_update", "scan", "locations",
       r"ScanJob\(" + G + r"\): CScanJob::OnLocationUpdate- Received\s*Location=<?([^,>\s]+)>?,\s*Version=(\d+)",
       ("scan_job", "wsus_url", "content_version"), "done"),
    _r("adding_update_source", "scan", "update_source",
       r"ScanJob\(" + G + r"\): CScanJob::Execute- Adding UpdateSource=" + G
       + r",\s*ContentType=(\d+),\s*ContentLocation=<?([^,>\s]+)>?,\s*ContentVersion=(\d+)",
       ("scan_job", "update_source", "content_type", "wsus_url", "content_version")),
    _r("add_update_source_failed", "scan", "update_source",
       r"ScanJob\(" + G + r"\): CScanJob::Execute- Failed at AddUpdateSource", ("scan_job",), "fail"),
    _r("raised_update_source_state", "scan", "scan_request",
       r"ScanJob\(" + G + r"\): Raised UpdateSource \(" + G + r"\) state message successfully\. StateId = (\d+)",
       ("scan_job", "update_source", "state_id")),
    _r("scan_requested", "scan", "scan_request",
       r"ScanJob\(" + G + r"\): CScanJob::Execute - successfully requested Scan, ScanType=(\d+)",
       ("scan_job", "scan_type"), "done"),
    _r("scan_complete_ok", "scan", "results", r"CScanJob::OnScanComplete\s*-\s*Scan (?:completed successfully|Succeeded)",
       (), "done"),
    _r("scan_complete_failed", "scan", "results", r"CScanJob::OnScanComplete\s*-\s*Scan Failed", (), "fail"),
    _r("scan_agent_notify", "policy", "scan_agent_notified", r"Inside CScanAgent::Notify\(\)"),
    _r("on_policy_change", "policy", "scan_agent_notified",
       r"CScanAgent::OnPolicyChange- Policy InstanceModificationEvent notification received", (), "done"),
    _r("policy_change_tool", "policy", "scan_agent_notified",
       r"Policy Change notification received for ToolUniqueID=" + G, ("update_source",), "done"),
]

LOCATION_SERVICES = [
    _r("ls_get_locations", "scan", "location_request", r"CCCMWSUSLocation::GetLocationsAsyncEx"),
    _r("ls_persist", "scan", "location_request",
       r"Attempting to persist WSUS location request for ContentID='" + G + r"' and ContentVersion='(\d+)'",
       ("update_source", "content_version")),
    _r("ls_persisted", "scan", "location_request", r"^Persisted WSUS location request"),
    _r("ls_attempt_send", "scan", "location_request", r"Attempting to send WSUS Location Request for ContentID='" + G + "'",
       ("update_source",)),
    _r("ls_request_body", "scan", "location_request", r"^WSUSLocationRequest : <WSUSLocationRequest"),
    _r("ls_sent", "scan", "location_request", r"Created and Sent Location Request '" + G + r"' for package " + G,
       ("location_request", "update_source"), "done"),
    _r("ls_processing_reply", "scan", "locations", r"^Processing Location reply message"),
    _r("ls_reply_body", "scan", "locations", r"^WSUSLocationReply : <WSUSLocationReply"),
    _r("ls_calling_back_list", "scan", "locations", r"Calling back with the following WSUS locations"),
    _r("ls_wsus_path", "scan", "locations", r"WSUS Path='<?([^'>]*)>?', Server='([^']*)', Version='(\d+)'",
       ("wsus_url", "server", "content_version")),
    _r("ls_called_back", "scan", "locations", r"Calling back with locations for WSUS request " + G,
       ("location_request",), "done"),
]

CCM_MESSAGING = [
    _r("msg_queued", "scan", "?", r"Sending async message '" + G + r"' to outgoing queue '([^']*)'", ("message", "queue")),
    _r("msg_sending", "scan", "?", r"Sending outgoing message '" + G + r"'\.\s*Flags", ("message",), "done"),
    _r("msg_post", "scan", "state_upload", r"^POST: Host=([^,]*), Path=([^,]*), Port=(\d+)", ("mp", "path", "port")),
    _r("msg_no_reply", "scan", "state_upload", r"Message '" + G + r"' doesn't have reply", ("message",)),
    _r("msg_got_reply", "scan", "mp_reply",
       r"Message '" + G + r"' got reply '" + G + r"' to local endpoint queue '([^']*)'", ("message", "reply", "queue"),
       "done"),
    _r("msg_delivered", "scan", "?",
       r"OutgoingMessage\(Queue='([^']*)', ID=\{?\*?([^}*)]*)\*?\}?\):\s*Delivered successfully to host '([^']*)'",
       ("queue", "message", "mp"), "done"),
    _r("msg_delivered_local", "scan", "mp_reply", r"Message '" + G + r"' delivered to endpoint '([^']*)'",
       ("reply", "endpoint"), "done"),
]

WUA_HANDLER = [
    _r("wua_source_type", "scan", "update_source", r"Its a WSUS Update Source type \(" + G + r"\), adding it",
       ("update_source",)),
    _r("wua_new_source", "scan", "update_source", r"Its a completely new WSUS Update Source"),
    _r("wua_increased_version", "scan", "update_source",
       r"WSUS update source already exists, it has increased version to (\d+)", ("content_version",), "done"),
    _r("wua_enable_managed", "scan", "update_source", r"Enabling WUA Managed server policy to use server: <?([^>\s]+)>?",
       ("wsus_url",)),
    _r("wua_existing_managed", "scan", "update_source",
       r"Existing WUA Managed server was already set \(([^)]*)\), skipping Group Policy registration",
       ("wsus_url",), "done"),
    _r("wua_policy_refresh", "scan", "update_source", r"^Policy refresh forced"),
    _r("wua_gp_wait", "scan", "update_source", r"Waiting for 2 mins for Group Policy to notify of WUA policy change"),
    _r("wua_policy_effect_wait", "scan", "update_source", r"Waiting for 30 secs for policy to take effect on WU Agent"),
    _r("wua_added_source", "scan", "update_source", r"Added Update Source \(" + G + r"\) of content type: (\d+)",
       ("update_source", "content_type"), "done"),
    _r("wua_gpo_override", "scan", "update_source",
       r"Group policy settings were overwritten by a higher authority \(Domain Controller\) to: Server <?([^>\s]+)>? "
       r"and Policy (\w+)", ("gpo_server", "gpo_policy"), "fail"),
    _r("wua_add_source_failed", "scan", "update_source",
       r"Failed to Add Update Source for WUAgent of type \((\d+)\) and id \(" + G + r"\)",
       ("content_type", "update_source"), "fail"),
    _r("wua_policy_read_failed", "scan", "update_source",
       r"Unable to read existing (?:resultant )?WUA (?:Group Policy object|policy)", (), "fail"),
    _r("wua_superseded_mode", "scan", "scan_request", r"Scan results will include (?:all )?superseded updates"),
    _r("wua_criteria", "scan", "scan_request", r"^Search Criteria is (.*)$", ("criteria",)),
    _r("wua_single_call", "scan", "scan_request", r"Running single-call scan of updates"),
    _r("wua_async_started", "scan", "scan_request", r"Async searching of updates using WUAgent started", (), "done"),
    _r("wua_async_completed", "scan", "search_complete", r"Async searching completed", (), "done"),
    _r("wua_finished_single", "scan", "search_complete", r"Finished searching for everything in single call", (), "done"),
    _r("wua_end_search_failed", "scan", "search_complete", r"OnSearchComplete - Failed to end search job", (), "fail"),
    _r("wua_scan_failed", "scan", "search_complete", r"Scan failed with error = ", (), "fail"),
    _r("wua_pruning", "scan", "results", r"Pruning: update id \(" + U + r"\) is superseded by \(" + U + r"\)",
       ("update", "superseded_by")),
    _r("wua_update_state", "scan", "results",
       r"^Update \((Installed|Missing|[A-Za-z ]+)\): (.*?) \(" + U + r", (\d+)\)\s*$",
       ("state", "title", "update", "revision")),
    _r("wua_scan_done", "scan", "results", r"^Successfully completed scan", (), "done"),
]

UPDATES_STORE = [
    _r("us_processing", "scan", "update_states", r"Processing update status from update \(" + U + r"\)", ("update",)),
    _r("us_new_instance", "scan", "update_states",
       r"Update status from update \(" + U + r"\) hasn't been reported before, creating new instance", ("update",)),
    _r("us_raised", "scan", "update_states",
       r"Successfully raised state message for update \(" + U + r"\) with state \((\w+)\)", ("update", "state"), "done"),
    _r("us_added_wmi", "scan", "update_states", r"Successfully added WMI instance of update status \(" + U + r"\)",
       ("update",), "done"),
]

STATE_MESSAGE = [
    _r("sm_adding", "scan", "update_states", r"Adding message with TopicType (\d+) and TopicId (\S+) to WMI",
       ("topic_type", "topic")),
    _r("sm_recorded", "scan", "update_states",
       r"State message\(State ID : (\d+)\) with TopicType (\d+) and TopicId (\S+) has been recorded for (\S+)",
       ("state_id", "topic_type", "topic", "user"), "done"),
    _r("sm_body", "scan", "state_upload", r"^StateMessage body:"),
    _r("sm_forwarded", "scan", "state_upload", r"Successfully forwarded State Messages to the MP", (), "done"),
]

MP_LOCATION = [
    _r("mp_request_body", "scan", "mp_lookup", r"MP LM: Message Body\s*:\s*\\?<WSUSLocationRequest"),
    _r("mp_calling", "scan", "mp_lookup", r"MP LM: calling MP_GetWSUSServerLocations"),
    _r("mp_reply_body", "scan", "mp_lookup", r"MP LM: Reply message body:", (), "done"),
]

MP_RELAY = [
    _r("relay_start", "scan", "mp_relay", r"Mp Message Handler: start message processing for Relay"),
    _r("relay_filetype", "scan", "mp_relay", r"Mp Message Handler: FileType=(\w+)", ("file_type",)),
    _r("relay_body", "scan", "mp_relay", r"^Message Body\s*:"),
    _r("relay_processing", "scan", "mp_relay", r"Inv-Relay Task: Processing message body"),
    _r("relay_outbox", "scan", "mp_relay", r"Relay: Outbox dir: (.*)$", ("outbox",)),
    _r("relay_priority", "scan", "mp_relay", r"^Priority in the message = (\d+)", ("priority",)),
    _r("relay_state_dir", "scan", "mp_relay", r"State Priority Directory = (.*)$", ("state_dir",)),
    _r("relay_done", "scan", "mp_relay", r"Inv-Relay: Task completed successfully", (), "done"),
]

MPFDM = [
    _r("fdm_moved", "scan", "mp_relay", r"Moved file (\S+?([^\\/\s]+\.SMX)) to (\S+)", ("source", "smx", "target"), "done"),
]

STATESYS = [
    _r("ss_inbox_trigger", "scan", "state_processing", r"Inbox notification triggered, pause for"),
    _r("ss_found", "scan", "state_processing", r"Found new state messages to process, starting processing thread"),
    _r("ss_thread_started", "scan", "state_processing", r'Thread "State Message Processing Thread #\d+" id:(\d+) started',
       ("thread",)),
    _r("ss_chunks", "scan", "state_processing", r"total chucks loaded \((\d+)\)", ("chunks",)),
    _r("ss_processing_file", "scan", "state_processing", r"CMessageProcessor - Processing file: (\S+)", ("smx",)),
    _r("ss_records", "scan", "state_processing",
       r"CMessageProcessor - Processed (\d+) records with (\d+) invalid records", ("records", "invalid")),
    _r("ss_batch", "scan", "state_processing",
       r"CMessageProcessor - Processed (\d+) message files in this batch, with (\d+) bad files", ("files", "bad"), "done"),
    _r("ss_thread_done", "scan", "state_processing", r'Thread "State Message Processing Thread #\d+" id:(\d+) terminated',
       ("thread",)),
    _r("ss_task_started", "scan", "summarization", r"Started task '([^']*)'", ("task",)),
    _r("ss_task_done", "scan", "summarization",
       r"Task '([^']*)' completed successfully after running for (\d+) seconds, with status (\d+)",
       ("task", "seconds", "status"), "done"),
    _r("ss_task_failed", "scan", "summarization", r"Task '([^']*)' (?:failed|did not complete)", ("task",), "fail"),
]

WSYNCMGR = [
    _r("ws_content_version", "policy", "sync",
       r"Set content version of update source " + G + r" for site (\w+) to (\d+)", ("update_source", "site", "content_version"),
       "done"),
    _r("ws_starting", "wsus_sync", "start", r"^Starting Sync|STATMSG: ID=6701\b"),
    _r("ws_sync_server", "wsus_sync", "connect", r"Synchronizing WSUS Server|STATMSG: ID=6704\b"),
    _r("ws_sync_db", "wsus_sync", "connect", r"Synchronizing site database|STATMSG: ID=6705\b|^Synchronizing update "),
    _r("ws_succeeded", "wsus_sync", "complete", r"^Sync succeeded|STATMSG: ID=6702\b", (), "done"),
    _r("ws_failed", "wsus_sync", "complete", r"^Sync failed|STATMSG: ID=6703\b", (), "fail"),
    _r("ws_sync_time", "wsus_sync", "complete", r"^Sync time: (\S+)", ("duration",)),
]

SMSDBMON = [
    _r("db_rcv_sync_status", "policy", "scan_tool_notification",
       r"RCV: UPDATE on Update_SyncStatus for UpdSyncStatus_iu \[" + G + r"\]", ("update_source",)),
    _r("db_dropped_stn", "policy", "scan_tool_notification", r"SND: Dropped \S*?" + G + r"\.STN", ("update_source",), "done"),
]

POLICYPV = [
    _r("pv_found_stn", "policy", "policy_provider", r"Found " + G + r"\.STN", ("update_source",)),
    _r("pv_added_tool", "policy", "policy_provider", r"Added Scan Tool ID " + G, ("update_source",), "done"),
    _r("pv_delete_list", "policy", "policy_provider", r"Adding to delete list: \S*?" + G + r"\.STN", ("update_source",)),
]

_POLICY_REF = r"CCM_Policy_Policy\d+\.PolicyID=\"" + G
POLICY_AGENT = [
    _r("pa_download", "policy", "policy_download", r"Successfully initiated download of policy '" + _POLICY_REF, ("policy",)),
    _r("pa_compiled", "policy", "policy_download", r"Policy '" + _POLICY_REF + r".*' successfully compiled", ("policy",),
       "done"),
    _r("pe_updating", "policy", "policy_apply", r"^Updating policy " + _POLICY_REF, ("policy",)),
    _r("pe_applied", "policy", "policy_apply", r"^Applied policy " + _POLICY_REF, ("policy",), "done"),
    _r("pe_state", "policy", "policy_apply", r"Policy state for \[" + _POLICY_REF + r".*\] is currently \[(\w+)\]",
       ("policy", "state")),
]

WINDOWS_UPDATE = [
    _r("wu_server_changed", "scan", "update_source", r"\* WSUS server: <?([^>\s]+)>? \(Changed\)", ("wsus_url",)),
    _r("wu_status_server_changed", "scan", "update_source", r"\* WSUS status server: <?([^>\s]+)>? \(Changed\)"),
    _r("wu_sus_changed", "scan", "update_source", r"Sus server changed through policy"),
    _r("wu_search_start", "scan", "wua_search",
       r"(?:-- START --\s*COMAPI: Search \[ClientId = |\* START \*\s+(?:Federated )?Search ClientId = )([^\],\s]+)",
       ("caller",)),
    _r("wu_search_submitted", "scan", "wua_search", r"<<-- SUBMITTED -- COMAPI: Search \[ClientId = ([^\]]+)\]", ("caller",)),
    _r("wu_server_url", "scan", "wua_search", r"ServiceId = " + G + r", Server URL = <?([^>\s]+)>?", ("service", "wsus_url")),
    _r("wu_agent_start", "scan", "wua_search",
       r"(?:\*\* START \*\* Agent: Finding updates \[CallerId = |\* START \* Finding updates CallerId = )([^\]\s]+)",
       ("caller",)),
    _r("wu_include_superseded", "scan", "wua_search", r"\* Include potentially superseded updates"),
    _r("wu_online", "scan", "wua_search", r"\* Online = (\w+); Ignore download priority"),
    _r("wu_criteria", "scan", "wua_search", r"\* Criteria = "),
    _r("wu_service_managed", "scan", "wua_search", r"\* ServiceID = " + G + r" (\w+)", ("service", "mode")),
    _r("wu_scope", "scan", "wua_search", r"\* Search Scope = \{(\w+)\}", ("scope",)),
    _r("wu_added_update", "scan", "wua_search", r"Added update " + G + r"\.(\d+) ?to ?search result", ("update", "revision")),
    _r("wu_found", "scan", "wua_search", r"Found (\d+) updates and (\d+) categories in search", ("found", "categories")),
    _r("wu_agent_end", "scan", "wua_search",
       r"(?:\*\* END \*\* Agent: Finding updates \[CallerId = ([^\]]+)\]|\* END \* Finding updates CallerId = ([^,\s]+)"
       r"(?:, Id = \d+)?(?:, Exit code = (0x[0-9A-Fa-f]{8}))?)", ("caller", "caller2", "exit")),
    _r("wu_resumed", "scan", "wua_search", r">>-- RESUMED -- COMAPI: Search|\*RESUMED\*\s+Search ClientId"),
    _r("wu_updates_found", "scan", "wua_search", r"(?:^|COMAPI )- Updates found = (\d+)", ("found",)),
    _r("wu_search_end", "scan", "wua_search",
       r"(?:-- END --\s*COMAPI: Search \[ClientId = ([^\]]+)\]|\* END \*\s+Search ClientId = ([^,\s]+), Updates found = (\d+))",
       ("caller", "caller2", "found")),
    _r("wu_metadata_oom", "scan", "wua_search", r"GetUpdateMetadata2 failed, hr=([0-9A-Fa-f]{8})", ("hr",), "fail"),
    _r("wu_failure", "scan", "wua_search",
       r"^(?:WARNING|FATAL): .*(?:error|hr|exit code) ?=? ?(?:0x)?[0-9A-Fa-f]{8}|\*FAILED\* \[[0-9A-Fa-f]{8}\]", (), "fail"),
]

WSUS_SERVER = [
    _r("sd_manual_start", "wsus_sync", "start",
       r"Synchronization manually started|EventId=382,|EventId=381,", ()),
    _r("sd_sync_done", "wsus_sync", "complete", r"EventId=384,", (), "done"),
    _r("sd_sync_failed", "wsus_sync", "complete", r"EventId=386,|Category=Synchronization,.*fail", (), "fail"),
    _r("sd_subscription", "wsus_sync", "connect", r"ServerSyncWebService|Synchronization Agent|CatalogSyncAgent"),
]

IIS_RULES = [
    _r("iis_ccm_post", "scan", "mp_relay", r"\bCCM_POST /ccm_system/request\b"),
    _r("iis_wsus_client", "scan", "wua_search", r"\bPOST /(?:ClientWebService/client\.asmx|SimpleAuthWebService/SimpleAuth\.asmx)\b"),
]

BY_COMPONENT: dict[str, list[Rule]] = {
    "scanagent": SCAN_AGENT,
    "locationservices": LOCATION_SERVICES,
    "ccmmessaging": CCM_MESSAGING,
    "wuahandler": WUA_HANDLER,
    "updatesstore": UPDATES_STORE,
    "statemessage": STATE_MESSAGE,
    "mp_locationmanager": MP_LOCATION,
    "mp_relayendpoint": MP_RELAY,
    "sms_mp_file_dispatch_manager": MPFDM,
    "sms_state_system": STATESYS,
    "sms_wsus_sync_manager": WSYNCMGR,
    "sms_database_notification_monitor": SMSDBMON,
    "sms_policy_provider": POLICYPV,
    "policyagent_replyassignments": POLICY_AGENT,
    "policyagent_policydownload": POLICY_AGENT,
    "policyagent_policyevaluator": POLICY_AGENT,
    "policyagent": POLICY_AGENT,
    "policyevaluator": POLICY_AGENT,
    "windowsupdate": WINDOWS_UPDATE,
    "wsus": WSUS_SERVER,
    "iis": IIS_RULES,
}

ALL_RULES: dict[str, list[Rule]] = BY_COMPONENT

# Error records with an HRESULT but no specific pattern still count against the step they belong to.
_FALLBACK = {
    "ccmmessaging": ("msg_error", "?"),
    "wuahandler": ("wua_error", "search_complete"),
    "locationservices": ("ls_error", "locations"),
}

_ROLE: dict[str, Role] = {
    "mp_locationmanager": "mp", "mp_relayendpoint": "mp", "sms_mp_file_dispatch_manager": "mp",
    "sms_state_system": "server", "sms_wsus_sync_manager": "server", "sms_database_notification_monitor": "server",
    "sms_policy_provider": "server", "wsus": "server",
}


def literal_of(regex: str) -> str | None:
    """The longest run of plain text a pattern requires (lower-cased), or None if it has none.

    Used to build a one-pass prefilter per component: most records match no rule, and one C-level
    search for any rule's literal is far cheaper than trying every rule's regex in turn.
    """
    depth = 0
    bracket = False
    for i, ch in enumerate(regex):  # a top-level alternation has no single required literal
        if ch == "\\":
            continue
        if bracket:
            bracket = ch != "]" or regex[i - 1] == "\\"
        elif ch == "[" and (i == 0 or regex[i - 1] != "\\"):
            bracket = True
        elif ch == "(" and (i == 0 or regex[i - 1] != "\\"):
            depth += 1
        elif ch == ")" and (i == 0 or regex[i - 1] != "\\"):
            depth -= 1
        elif ch == "|" and depth == 0 and (i == 0 or regex[i - 1] != "\\"):
            return None
    runs: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(regex):
        ch = regex[i]
        nxt = regex[i + 1] if i + 1 < len(regex) else ""
        if ch == "\\" and nxt and not nxt.isalnum():
            lit, step = nxt, 2
        elif ch == "\\" or ch in ".^$*+?{}[]()|":
            runs.append("".join(cur))
            cur = []
            if ch in "[(":  # skip the class or group entirely
                close, depth, j = ("]" if ch == "[" else ")"), 0, i
                while j < len(regex):
                    if regex[j] == "\\":
                        j += 2
                        continue
                    if regex[j] == ch:
                        depth += 1
                    elif regex[j] == close:
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                i = j + 1
            else:
                i += 2 if ch == "\\" else 1
            continue
        else:
            lit, step = ch, 1
        after = regex[i + step] if i + step < len(regex) else ""
        if after and after in "*?{":  # optional char: the run ends before it
            runs.append("".join(cur))
            cur = []
            i += step
            continue
        cur.append(lit)
        i += step
    runs.append("".join(cur))
    best = max(runs, key=len)
    return best.lower() if len(best.strip()) >= 4 else None


@dataclass(frozen=True, slots=True)
class _Table:
    rules: list[Rule]
    prefilter: re.Pattern[str] | None
    always: list[Rule]


def _table(rules: list[Rule]) -> _Table:
    lits = [(r, literal_of(r.regex)) for r in rules]
    keyed = [lit for _, lit in lits if lit]
    always = [r for r, lit in lits if not lit]
    pre = re.compile("|".join(re.escape(k) for k in sorted(set(keyed), key=len, reverse=True))) if keyed else None
    return _Table(rules, pre, always)


_TABLES: dict[str, _Table] = {}


def _rules_for(key: str) -> _Table | None:
    table = _TABLES.get(key)
    if table is None and key in BY_COMPONENT:
        table = _TABLES[key] = _table(BY_COMPONENT[key])
    return table


def source_key(entry: Entry) -> str:
    """Which rule table applies: the component for ConfigMgr logs, the format for the others."""
    fmt = entry.format
    if fmt in ("wu-legacy", "wu-etw"):
        return "windowsupdate"
    if fmt in ("wsus", "iis"):
        return fmt
    return entry.component.lower()


def match_rules(rules: list[Rule], message: str) -> tuple[Rule, re.Match[str]] | None:
    for rule in rules:
        m = rule.pattern.search(message)
        if m is not None:
            return rule, m
    return None


def classify(entry: Entry, host: str, order: tuple[str, int]) -> Fact | None:
    """The fact an entry evidences, or None for the (vast majority of) records that are noise."""
    key = source_key(entry)
    table = _rules_for(key)
    if table is None or entry.utc is None:
        return None
    found = None
    message = entry.message
    if table.prefilter is not None and table.prefilter.search(message.lower()):
        found = match_rules(table.rules, message)
    elif table.always:  # no keyed rule can match without its literal: only the rest can
        found = match_rules(table.always, message)
    if found is None:
        fallback = _FALLBACK.get(key)
        if fallback is None or entry.severity != "error":
            return None
        codes = find_codes(entry.message)
        if not codes:
            return None
        fact = Fact(fallback[0], fallback[1], "scan", entry.utc, order, host, "client", entry, outcome="fail", codes=codes)
        m_id = re.search(G, entry.message)
        if m_id:
            fact.ids["message"] = norm_guid(m_id.group(1))
        return fact
    rule, m = found
    role: Role = _ROLE.get(key, "client")
    if key == "iis":
        role = "mp" if rule.name == "iis_ccm_post" else "server"
    fact = Fact(rule.name, rule.step, rule.flow, entry.utc, order, host, role, entry)
    for name, value in zip(rule.groups, m.groups()):
        if value is None:
            continue
        if name in ("update_source", "scan_job", "location_request", "message", "reply", "policy", "service"):
            fact.ids[name] = norm_guid(value)
        elif name in ("update", "topic", "superseded_by"):
            fact.ids[name] = norm_guid(value)
        else:
            fact.values[name] = value.strip()
    fact.outcome = rule.outcome
    _enrich(fact, entry)
    return fact


_XML_TEXT = {
    "netbios": re.compile(r"<NetBIOSName>([^<]*)</NetBIOSName>"),
    "client_id": re.compile(r"<ClientID>\s*(?:GUID:)?\s*([^<]*)</ClientID>"),
}
_TOPIC = re.compile(r'<StateMessage[^>]*SerialNumber="(\d+)"[^>]*>\s*<Topic ID="([^"]*)" Type="(\d+)"')
_LOCATION_RECORD = re.compile(r"<LocationRecord\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_CONTENT = re.compile(r'<Content ID="([^"]*)" Version="(\d+)"')
_IP = re.compile(r'<IPAddress[^>]*Address="([^"]*)"')


def _enrich(fact: Fact, entry: Entry) -> None:
    """Values that need more than the rule's groups: XML bodies (read with regexes, never an XML
    parser, so no entity is ever expanded), error codes, WU exit codes, IIS status."""
    msg = entry.message
    name = fact.name
    if name in ("sm_body", "relay_body"):
        for key, rx in _XML_TEXT.items():
            m = rx.search(msg)
            if m:
                fact.values[key] = m.group(1).strip()
        topics = _TOPIC.findall(msg)
        if topics:
            fact.values["topics"] = ",".join(f"{norm_guid(t)}:{ty}:{sn}" for sn, t, ty in topics)
    elif name in ("ls_reply_body", "mp_reply_body"):
        records = [dict(_ATTR.findall(r)) for r in _LOCATION_RECORD.findall(msg)]
        fact.values["records"] = str(len(records))
        if records:
            fact.values["wsus_url"] = records[0].get("WSUSURL", "")
            fact.values["urls"] = " ".join(r.get("WSUSURL", "") for r in records)
            fact.values["versions"] = ",".join(sorted({r.get("Version", "") for r in records}))
    elif name in ("ls_request_body", "mp_request_body"):
        m = _CONTENT.search(msg)
        if m:
            fact.ids["update_source"] = norm_guid(m.group(1))
            fact.values["content_version"] = m.group(2)
        fact.values["client_ips"] = " ".join(sorted(set(_IP.findall(msg))))
    elif name == "wu_agent_end":
        code = fact.values.get("exit")
        if code and int(code, 16) & 0x80000000:
            fact.outcome = "fail"
            fact.codes = [int(code, 16)]
        elif code or fact.values.get("caller"):
            fact.outcome = "done"
    elif name == "wu_search_end":
        fact.outcome = "done"
    elif name == "wu_metadata_oom":
        fact.codes = [int(fact.values["hr"], 16)]
    elif name == "iis_ccm_post" or name == "iis_wsus_client":
        status = entry.extra.get("sc-status", "")
        fact.values["status"] = str(status)
        fact.values["client_ip"] = str(entry.extra.get("c-ip", ""))
        if name == "iis_wsus_client" and str(status).isdigit() and int(str(status)) >= 400:
            fact.outcome = "fail"
    if fact.outcome == "fail" and not fact.codes:
        fact.codes = find_codes(msg)
    if fact.outcome == "" and entry.severity == "error" and fact.flow != "policy":
        codes = find_codes(msg)
        if codes:
            fact.codes = codes
            fact.outcome = "fail"

