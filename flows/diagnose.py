"""What an admin should check next when a step fails or stalls, written from the troubleshooting seed.

Hints are chosen by step, by error code and by what the evidence says (a Group Policy override,
an empty location reply, a GetUpdateMetadata2 memory failure), never by string-matching the hint
text itself, so each one says which log and which query to look at.
"""

from __future__ import annotations

SUP_CHECK = ("Is a software update point installed for the site (SUPSetup.log) and synchronizing? Check WCM.log, "
             "WSUSCtrl.log and WSyncMgr.log; SQL: select * from WSUSServerLocations; select * from Update_SyncStatus.")

HINTS: dict[str, str] = {
    "agent_disabled": ("The Software Updates client agent is disabled on this client (UpdatesDeployment.log: 'Software "
                       "Updates feature is disabled'): ScanAgent receives the UpdateSource policy but no scan job runs. "
                       "Check that 'Enable software updates on clients' is Yes in the client settings deployed to this "
                       "client's collection, then run Machine Policy Retrieval and watch PolicyAgent.log and "
                       "UpdatesDeployment.log for the configuration policy."),
    "no_policy": ("ScanAgent has no UpdateSource policy (no 'Policy available' line) and WUAHandler shows no scan activity: "
                  "check that 'Enable software updates on clients' is Yes in the client settings this client gets, run "
                  "Machine Policy Retrieval and watch PolicyAgent.log; " + SUP_CHECK),
    "location_timeout": ("Scan Agent / Location Services never received the WSUS server location. " + SUP_CHECK
                         + " On the client check CcmMessaging.log for errors posting to the MP, and MP_Location.log on the MP."),
    "location_request": ("The location request was not sent: check LocationServices.log for errors and that the client "
                         "has an assigned site and a reachable management point (ClientLocation.log)."),
    "mp_send": ("CcmMessaging did not send the location request: check CcmMessaging.log for HTTP/WinHTTP errors to the MP, "
                "the MP's IIS (CCM_POST /ccm_system/request) and the client's MP assignment (ClientLocation.log)."),
    "empty_reply": ("The WSUS location reply has no LocationRecord: the management point found no WSUS server for this "
                    "update source and content version. Usually the policy's content version does not match the SUP's "
                    "last sync (WSyncMgr.log 'Set content version', Update_SyncStatus) or no SUP serves this site or "
                    "boundary. " + SUP_CHECK),
    "gpo_override": ("A domain Group Policy sets the WSUS server and overrides the local policy ConfigMgr writes "
                     "(0x87D00692). Point the GPO at the same software update point with the right name format and port "
                     "(e.g. http://server1.contoso.com:8530) or remove it; check gpresult /h and "
                     "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate WUServer."),
    "gp_timeout": ("Group Policy did not notify WUAHandler within the 2-minute timeout. Did Group Policy refresh respond? "
                   "Check the Group Policy client (gpupdate /force, Event Viewer > GroupPolicy), a corrupt "
                   "C:\\Windows\\System32\\GroupPolicy\\Machine\\Registry.pol, and WUAHandler.log for 'Group policy "
                   "settings were overwritten by a higher authority'."),
    "add_source_failed": ("WUAHandler could not add the update source to the registry. Look in WUAHandler.log just before "
                          "this line for a Group Policy conflict (0x87D00692); 0x80004005 with it usually means a corrupt "
                          "Registry.pol. Then re-run the Software Updates Scan Cycle."),
    "auth": ("WSUS answered 401/403 (0x80244017/0x80244018): a proxy or authentication problem. Confirm the WinHTTP proxy "
             "(netsh winhttp show proxy), then read the IIS logs on the WSUS server: if WSUS did not return the error, an "
             "intermediate proxy or firewall did. Check authentication on the ClientWebService and SimpleAuthWebService "
             "virtual directories."),
    "client_cert": ("0x80072F0C: WSUS demands a client certificate. Set the WSUS virtual directories (ClientWebService, "
                    "SimpleAuthWebService, DSSAuthWebService, ServerSyncWebService, APIRemoting30) to ignore client "
                    "certificates in IIS SSL settings; see 'Scan fails with error 0x80072f0c'."),
    "memory": ("Windows Update Agent ran out of memory reading update metadata (GetUpdateMetadata2, 0x8007000E): the "
               "known 32-bit Windows 7 issue. Install the Windows Update Client for Windows 7 (June 2015) and shrink the "
               "catalog (decline superseded updates in WSUS); x64 clients show high memory and CPU instead."),
    "wsus_pool": ("HTTP timeout or 503 from WSUS (0x80244022, 0x80072EE2, 0x8024401C, 0x80244023): the WsusPool application "
                  "pool is likely stopped or recycling on its memory limit. Check the WSUS IIS logs for 503s on "
                  "/ClientWebService/client.asmx, raise the WsusPool private memory limit and queue length, and test "
                  "http://SUP:8530/Selfupdate/wuident.cab, /ClientWebService/wusserverversion.xml, "
                  "/SimpleAuthWebService/SimpleAuth.asmx and telnet SUP 8530 from the client."),
    "proxy": ("Proxy-related scan failure (0x80244021, 0x8024401B, 0x80240030, 0x8024402C): check netsh winhttp show proxy, "
              "the proxy's rules for the WSUS URL, and name resolution of the SUP from the client."),
    "scan_failed": ("WUAHandler relays the Windows Update Agent's error: find the same code in WindowsUpdate.log around this "
                    "time for the cause, and check connectivity to the SUP (Selfupdate/wuident.cab, "
                    "ClientWebService/wusserverversion.xml). See 'Windows Update common errors and mitigation'."),
    "search_stalled": ("The Windows Update Agent search has not finished. Check WindowsUpdate.log for the search and "
                       "WSUS server errors, the WSUS IIS logs and the WsusPool; very large catalogs (superseded updates "
                       "not declined) make scans slow."),
    "no_wuahandler": ("ScanAgent requested the scan but WUAHandler shows no activity: the management point returned no "
                      "software update point, or WUAHandler is broken. Check LocationServices.log for the reply and "
                      "WUAHandler.log after the next Software Updates Scan Cycle."),
    "state_not_forwarded": ("State messages were recorded but not forwarded within the 15-minute state message cycle. "
                            "Check StateMessage.log, CcmMessaging.log for errors posting to mp_relayendpoint, MP "
                            "reachability, and the State Messaging reporting cycle in client settings."),
    "relay": ("The management point did not relay the state message to the site: check MP_Relay.log, the MP's IIS log for "
              "CCM_POST /ccm_system/request, and on a remote MP MPFDM.log (it needs the Remote Registry service on the "
              "site server and read access to HKLM\\SOFTWARE\\Microsoft\\SMS\\Inbox Source)."),
    "state_processing": ("StateSys has not processed the state messages: check StateSys.log, the inboxes\\auth\\statesys.box "
                         "backlog, and SQL connectivity of the site server. Enable verbose StateSys logging "
                         "(HKLM\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_STATE_SYSTEM, Verbose Logging = 1) to see file names."),
    "bad_files": ("StateSys rejected state message files (bad files / invalid records): they are moved to "
                  "inboxes\\auth\\statesys.box\\corrupt. Enable verbose StateSys logging to see which, and check StateSys.log "
                  "for SQL errors from spProcessStateReport."),
    "summarization": ("SUM summarization runs hourly by default: check StateSys.log for the 'SUM ...' tasks, query "
                      "vSR_SummaryTasks, or run summarization from the console (Monitoring > Deployments > Run Summarization)."),
    "policy_chain": ("The UpdateSource policy has not reached the next hop: after a sync WSyncMgr sets the content version, "
                     "SMSDBMON drops {UpdateSource}.STN in policypv.box and PolicyPv updates the policy (PolicyPv.log); the "
                     "client gets it at its next machine policy cycle (PolicyAgent.log). SQL: SELECT * FROM Policy WHERE "
                     "PolicyID = (SELECT PolicyID FROM SettingsPolicy WHERE SourceType = 'UpdateSource')."),
    "wsus_sync": ("WSUS synchronization is failing or stuck: confirm the WSUS service is running (a sync stuck at 0% means it "
                  "is stopped), reset the WSUS console cache (%appdata%\\Microsoft\\mmc\\wsus), check the proxy settings of "
                  "the SUP and WinHTTP connectivity to Microsoft Update, and WCM.log / WSyncMgr.log for errors. For a "
                  "scheduled sync, try a manual one first."),
    # The site server's WSUS (issue 10, part 7): wsus_sync replicas and the wsus_health kind.
    "replica_sync": ("A replica software update point did not sync from the site's primary WSUS. The primary sync "
                     "succeeded and set the content version; clients that scan against the replica see an outdated catalog until it "
                     "syncs. Check WSyncMgr.log "
                     "for the replica's error, that its WSUS service is running and port 8530/8531 is reachable from the "
                     "site server, and WCM.log for connection failures to it."),
    "wsus_subscription": ("WCM has not finished configuring the WSUS subscription (the configuration state stays "
                          "WSUS_CONFIG_SUBSCRIPTION_PENDING or WSUS_CONFIG_PENDING). Check WCM.log for errors after the "
                          "'Setting new configuration state' line, the Software Update Point Component properties "
                          "(products, classifications, sync source) and that the WSUS console opens on the SUP."),
    "wsus_categories_empty": ("The WSUS subscription has no products or classifications ('Subscribed Update Categories' "
                              "lists none): a sync brings only the category catalog and no update ever reaches clients. "
                              "Select products and classifications in the Software Update Point Component properties, "
                              "then run a synchronization (WSyncMgr.log)."),
    "sup_connection": ("WCM could not connect to a software update point's WSUS. Check that the SUP is online, the WSUS "
                       "service and WsusPool are running on it, the WSUS port (8530/8531) is open from the site server, "
                       "and the connection account; a replica that stays unreachable does not get its configuration "
                       "and stops syncing."),
    "wsus_control": ("WSUSCtrl's health check reported failures on the WSUS server: open Event Viewer and the WSUS "
                     "console on it, check the WSUS service, WsusPool in IIS and the SUSDB connection "
                     "(wsusutil checkhealth), and WSUSCtrl.log for the components named."),
}

_CODE_HINT = {
    0x87D00692: "gpo_override",
    0x80244017: "auth", 0x80244018: "auth",
    0x80072F0C: "client_cert",
    0x8007000E: "memory",
    0x80244022: "wsus_pool", 0x80072EE2: "wsus_pool", 0x8024401C: "wsus_pool", 0x80244023: "wsus_pool",
    0x80244021: "proxy", 0x8024401B: "proxy", 0x80240030: "proxy", 0x8024402C: "proxy",
    0x87D00602: "location_timeout", 0x87D00669: "location_timeout",
}


def hint_for_code(code: int | None) -> str | None:
    name = _CODE_HINT.get(code) if code is not None else None
    return HINTS[name] if name else None


def hint(name: str) -> str:
    return HINTS[name]
