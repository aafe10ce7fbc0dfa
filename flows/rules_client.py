"""Rules for the ConfigMgr client's logs: ScanAgent, LocationServices, CcmMessaging, WUAHandler,
UpdatesStore, StateMessage, PolicyAgent and PolicyEvaluator.
"""

from __future__ import annotations

from sumtrace.flows.rule import G, Rule, U, rule

SCAN_AGENT = [
    # The client-settings policy (not the UpdateSource policy): an info line at every start until it
    # arrives; default settings are used meanwhile. It says nothing about a scan.
    rule("no_policy", "client_agent", "client_settings", r"Software Updates client configuration policy has not been received",
         (), "warn"),
    rule("policy_available", "scan", "policy", r"Policy available for UpdateSourceID=" + G + r"\s*ContentVersion=(\d+)",
       ("update_source", "content_version"), "done"),
    rule("policy_added", "scan", "policy",
       r"Added Policy to final ScanRequest List UpdateSourceID=" + G + r",\s*Policy-ContentVersion=(\d+)",
       ("update_source", "content_version"), "done"),
    rule("process_request", "scan", "location_request", r"Inside CScanAgent::ProcessScanRequest"),
    # A scan by update IDs (deployment evaluation) asks WUA about known updates; no location request.
    rule("scan_by_updates", "evaluation", "trigger", r"CScanAgent::ScanByUpdates\s*-\s*entered"),
    rule("jobmgr_scan", "scan", "location_request", r"CScanJobManager::Scan- entered"),
    rule("job_init", "scan", "location_request", r"ScanJob\(" + G + r"\): CScanJob::Initialize- entered", ("scan_job",)),
    rule("job_scan", "scan", "location_request", r"ScanJob\(" + G + r"\): CScanJob::Scan- entered", ("scan_job",)),
    rule("job_request_locations", "scan", "location_request", r"ScanJob\(" + G + r"\): CScanJob::RequestLocations- entered",
       ("scan_job",)),
    rule("requesting_locations", "scan", "location_request",
       r"Requesting WSUS Server Locations from LS for " + G + r" version (\d+)", ("update_source", "content_version")),
    rule("location_request_id", "scan", "location_request", r"Location Request ID = " + G, ("location_request",)),
    rule("persisted_job", "scan", "location_request", r"PersistInstanceInCache- Persisted Instance CCM_ScanJobInstance"),
    rule("locations_requested", "scan", "location_request",
       r"Locations requested for ScanJobID=" + G + r"\s*\(LocationRequestID=" + G + r"\)",
       ("scan_job", "location_request"), "done"),
    rule("location_update", "scan", "locations", r"WSUSLocationUpdate received for location request guid=" + G,
       ("location_request",)),
    rule("on_location_update", "scan", "locations",
       r"ScanJob\(" + G + r"\): CScanJob::OnLocationUpdate- Received\s*Location=<?([^,>\s]+)>?,\s*Version=(\d+)",
       ("scan_job", "wsus_url", "content_version"), "done"),
    rule("adding_update_source", "scan", "update_source",
       r"ScanJob\(" + G + r"\): CScanJob::Execute- Adding UpdateSource=" + G
       + r",\s*ContentType=(\d+),\s*ContentLocation=<?([^,>\s]+)>?,\s*ContentVersion=(\d+)",
       ("scan_job", "update_source", "content_type", "wsus_url", "content_version")),
    rule("add_update_source_failed", "scan", "update_source",
       r"ScanJob\(" + G + r"\): CScanJob::Execute- Failed at AddUpdateSource", ("scan_job",), "fail"),
    rule("raised_update_source_state", "scan", "scan_request",
       r"ScanJob\(" + G + r"\): Raised UpdateSource \(" + G + r"\) state message successfully\. StateId = (\d+)",
       ("scan_job", "update_source", "state_id")),
    rule("scan_requested", "scan", "scan_request",
       r"ScanJob\(" + G + r"\): CScanJob::Execute - successfully requested Scan, ScanType=(\d+)",
       ("scan_job", "scan_type"), "done"),
    rule("scan_complete_ok", "scan", "results", r"CScanJob::OnScanComplete\s*-\s*Scan (?:completed successfully|Succeeded)",
       (), "done"),
    rule("scan_complete_failed", "scan", "results", r"CScanJob::OnScanComplete\s*-\s*Scan Failed", (), "fail"),
    rule("scan_completion_received", "scan", "results", r"CScanAgent::ScanComplete\s*-\s*Scan completion received", (), "done"),
    rule("scan_agent_notify", "policy", "scan_agent_notified", r"Inside CScanAgent::Notify\(\)"),
    rule("on_policy_change", "policy", "scan_agent_notified",
       r"CScanAgent::OnPolicyChange- Policy InstanceModificationEvent notification received", (), "done"),
    rule("policy_change_tool", "policy", "scan_agent_notified",
       r"Policy Change notification received for ToolUniqueID=" + G, ("update_source",), "done"),
]

LOCATION_SERVICES = [
    rule("ls_get_locations", "scan", "location_request", r"CCCMWSUSLocation::GetLocationsAsyncEx"),
    rule("ls_persist", "scan", "location_request",
       r"Attempting to persist WSUS location request for ContentID='" + G + r"' and ContentVersion='(\d+)'",
       ("update_source", "content_version")),
    rule("ls_persisted", "scan", "location_request", r"^Persisted WSUS location request"),
    rule("ls_attempt_send", "scan", "location_request", r"Attempting to send WSUS Location Request for ContentID='" + G + "'",
       ("update_source",)),
    rule("ls_request_body", "scan", "location_request", r"^WSUSLocationRequest : <WSUSLocationRequest"),
    rule("ls_sent", "scan", "location_request", r"Created and Sent Location Request '" + G + r"' for package " + G,
       ("location_request", "update_source"), "done"),
    rule("ls_processing_reply", "scan", "locations", r"^Processing Location reply message"),
    rule("ls_reply_body", "scan", "locations", r"^WSUSLocationReply : <WSUSLocationReply"),
    rule("ls_calling_back_list", "scan", "locations", r"Calling back with the following WSUS locations"),
    rule("ls_wsus_path", "scan", "locations", r"WSUS Path='<?([^'>]*)>?', Server='([^']*)', Version='(\d+)'",
       ("wsus_url", "server", "content_version")),
    rule("ls_called_back", "scan", "locations", r"Calling back with locations for WSUS request " + G,
       ("location_request",), "done"),
]

CCM_MESSAGING = [
    rule("msg_queued", "scan", "?", r"Sending async message '" + G + r"' to outgoing queue '([^']*)'", ("message", "queue")),
    rule("msg_sending", "scan", "?", r"Sending outgoing message '" + G + r"'\.\s*Flags", ("message",), "done"),
    rule("msg_post", "scan", "state_upload", r"^POST: Host=([^,]*), Path=([^,]*), Port=(\d+)", ("mp", "path", "port")),
    rule("msg_no_reply", "scan", "state_upload", r"Message '" + G + r"' doesn't have reply", ("message",)),
    rule("msg_got_reply", "scan", "mp_reply",
       r"Message '" + G + r"' got reply '" + G + r"' to local endpoint queue '([^']*)'", ("message", "reply", "queue"),
       "done"),
    rule("msg_delivered", "scan", "?",
       r"OutgoingMessage\(Queue='([^']*)', ID=\{?\*?([^}*)]*)\*?\}?\):\s*Delivered successfully to host '([^']*)'",
       ("queue", "message", "mp"), "done"),
    rule("msg_delivered_local", "scan", "mp_reply", r"Message '" + G + r"' delivered to endpoint '([^']*)'",
       ("reply", "endpoint"), "done"),
]

WUA_HANDLER = [
    rule("wua_source_type", "scan", "update_source", r"Its a WSUS Update Source type \(" + G + r"\), adding it",
       ("update_source",)),
    rule("wua_new_source", "scan", "update_source", r"Its a completely new WSUS Update Source"),
    rule("wua_increased_version", "scan", "update_source",
       r"WSUS update source already exists, it has increased version to (\d+)", ("content_version",), "done"),
    rule("wua_enable_managed", "scan", "update_source", r"Enabling WUA Managed server policy to use server: <?([^>\s]+)>?",
       ("wsus_url",)),
    rule("wua_existing_managed", "scan", "update_source",
       r"Existing WUA Managed server was already set \(([^)]*)\), skipping Group Policy registration",
       ("wsus_url",), "done"),
    rule("wua_policy_refresh", "scan", "update_source", r"^Policy refresh forced"),
    rule("wua_gp_wait", "scan", "update_source", r"Waiting for 2 mins for Group Policy to notify of WUA policy change"),
    rule("wua_policy_effect_wait", "scan", "update_source", r"Waiting for 30 secs for policy to take effect on WU Agent"),
    rule("wua_added_source", "scan", "update_source", r"Added Update Source \(" + G + r"\) of content type: (\d+)",
       ("update_source", "content_type"), "done"),
    rule("wua_gpo_override", "scan", "update_source",
       r"Group policy settings were overwritten by a higher authority \(Domain Controller\) to: Server <?([^>\s]+)>? "
       r"and Policy (\w+)", ("gpo_server", "gpo_policy"), "fail"),
    rule("wua_add_source_failed", "scan", "update_source",
       r"Failed to Add Update Source for WUAgent of type \((\d+)\) and id \(" + G + r"\)",
       ("content_type", "update_source"), "fail"),
    rule("wua_policy_read_failed", "scan", "update_source",
       r"Unable to read existing (?:resultant )?WUA (?:Group Policy object|policy)", (), "fail"),
    rule("wua_superseded_mode", "scan", "scan_request", r"Scan results will include (?:all )?superseded updates"),
    rule("wua_criteria", "scan", "scan_request", r"^Search Criteria is (.*)$", ("criteria",)),
    rule("wua_single_call", "scan", "scan_request", r"Running single-call scan of updates"),
    rule("wua_async_started", "scan", "scan_request", r"Async searching of updates using WUAgent started", (), "done"),
    rule("wua_async_completed", "scan", "search_complete", r"Async searching completed", (), "done"),
    rule("wua_finished_single", "scan", "search_complete", r"Finished searching for everything in single call", (), "done"),
    rule("wua_end_search_failed", "scan", "search_complete", r"OnSearchComplete - Failed to end search job", (), "fail"),
    rule("wua_scan_failed", "scan", "search_complete", r"Scan failed with error = ", (), "fail"),
    rule("wua_pruning", "scan", "results", r"Pruning: update id \(" + U + r"\) is superseded by \(" + U + r"\)",
       ("update", "superseded_by")),
    rule("wua_update_state", "scan", "results",
       r"^Update \((Installed|Missing|[A-Za-z ]+)\): (.*?) \(" + U + r", (\d+)\)\s*$",
       ("state", "title", "update", "revision")),
    rule("wua_scan_done", "scan", "results", r"^Successfully completed scan", (), "done"),
]

UPDATES_STORE = [
    rule("us_processing", "scan", "update_states", r"Processing update status from update \(" + U + r"\)", ("update",)),
    rule("us_new_instance", "scan", "update_states",
         r"Update status from update \(" + U + r"\) hasn't been reported before, creating new instance", ("update",)),
    # A rescan: the status exists and is modified; no state message is raised when nothing changed.
    rule("us_existing_instance", "scan", "update_states",
         r"Update status from update \(" + U + r"\) already exists, will modify existing instance", ("update",)),
    rule("us_set_status_done", "scan", "update_states", r"Successfully done with SetStatus\(\) operation", (), "done"),
    rule("us_raised", "scan", "update_states",
         r"Successfully raised state message for update \(" + U + r"\) with state \((\w+)\)", ("update", "state"), "done"),
    rule("us_added_wmi", "scan", "update_states", r"Successfully added WMI instance of update status \(" + U + r"\)",
         ("update",), "done"),
    rule("us_queried", "scan", "update_states",
         r"Queried Update \(" + U + r"\):\s*Status=(\w+)(?:,\s*Title=(.*?))?\s*$", ("update", "state", "title")),
]

STATE_MESSAGE = [
    rule("sm_adding", "scan", "update_states", r"Adding message with TopicType (\d+) and TopicId (\S+) to WMI",
       ("topic_type", "topic")),
    rule("sm_recorded", "scan", "update_states",
       r"State message\(State ID : (\d+)\) with TopicType (\d+) and TopicId (\S+) has been recorded for (\S+)",
       ("state_id", "topic_type", "topic", "user"), "done"),
    rule("sm_updated", "scan", "update_states",
         r"State message with TopicType (50[01]) and TopicId (\S+) has been updated", ("topic_type", "topic"), "done"),
    rule("sm_body", "scan", "state_upload", r"^StateMessage body:"),
    rule("sm_forwarded", "scan", "state_upload", r"Successfully forwarded State Messages to the MP", (), "done"),
]

_POLICY_REF = r"CCM_Policy_Policy\d+\.PolicyID=\"" + G

POLICY_AGENT = [
    rule("pa_download", "policy", "policy_download",
         r"(?:Successfully initiated|Initializing) download of policy '" + _POLICY_REF, ("policy",)),
    rule("pa_download_done", "policy", "policy_download", r"^Download of policy " + _POLICY_REF + r".*completed", ("policy",),
         "done"),
    rule("pa_compiled", "policy", "policy_download", r"Policy '" + _POLICY_REF + r".*' successfully compiled", ("policy",),
       "done"),
    rule("pe_updating", "policy", "policy_apply", r"^Updating policy " + _POLICY_REF, ("policy",)),
    rule("pe_applied", "policy", "policy_apply", r"^Applied policy " + _POLICY_REF, ("policy",), "done"),
    rule("pe_state", "policy", "policy_apply", r"Policy state for \[" + _POLICY_REF + r".*\] is currently \[(\w+)\]",
       ("policy", "state")),
]

# UpdatesDeployment: the Software Updates agent itself, and deployment evaluations.
UPDATES_DEPLOYMENT = [
    rule("ud_no_policy", "client_agent", "client_settings",
         r"Software Updates client configuration policy has not been received", (), "warn"),
    rule("ud_not_enabled_until", "client_agent", "client_settings",
         r"Software updates functionality will not be enabled until the configuration policy has been received", (), "warn"),
    rule("ud_feature_disabled", "client_agent", "feature", r"Software Updates feature is disabled", (), "warn"),
    rule("ud_startup", "client_agent", "feature", r"^Service startup system task"),
    rule("ud_evaluation", "evaluation", "trigger", r"Evaluation initiated for \((\d+)\) assignments", ("assignments",),
         "done"),
    rule("ud_detection_job", "evaluation", "trigger", r"Detection job \(" + G + r"\) started for assignment \(" + G + r"\)",
         ("detection_job", "assignment")),
    rule("ud_targeted", "evaluation", "results",
         r"Update \(([^)]*)\) Name \((.*)\) ArticleID \((\d+)\) added to the targeted list of deployment \(" + G + r"\)",
         ("ci", "title", "article", "assignment")),
]

# UpdatesHandler: the detection (scan) job a deployment evaluation asks for, and its completion.
UPDATES_HANDLER = [
    rule("uh_scan_initiated", "evaluation", "trigger", r"Successfully initiated scan for job \(" + G + r"\)",
         ("detection_job",), "done"),
    rule("uh_scan_complete", "evaluation", "results", r"Scan completion received for job \(" + G + r"\)",
         ("detection_job",), "done"),
]

# PolicyAgentProvider: WMI says the UpdateSource policy instance changed.
POLICY_AGENT_PROVIDER = [
    rule("pap_update_source", "policy", "policy_apply",
         r"settings change on object CCM_UpdateSource\.UniqueID=\"" + G, ("update_source",), "done"),
]

TABLES: dict[str, list[Rule]] = {
    "updatesdeploymentagent": UPDATES_DEPLOYMENT,
    "updatesdeployment": UPDATES_DEPLOYMENT,
    "policyagentprovider": POLICY_AGENT_PROVIDER,
    "updateshandler": UPDATES_HANDLER,
    "scanagent": SCAN_AGENT,
    "locationservices": LOCATION_SERVICES,
    "ccmmessaging": CCM_MESSAGING,
    "wuahandler": WUA_HANDLER,
    "updatesstore": UPDATES_STORE,
    "statemessage": STATE_MESSAGE,
    "policyagent_replyassignments": POLICY_AGENT,
    "policyagent_policydownload": POLICY_AGENT,
    "policyagent_policyevaluator": POLICY_AGENT,
    "policyagent": POLICY_AGENT,
    "policyevaluator": POLICY_AGENT,
}
