"""The names an admin calls a ConfigMgr component by: its log's name (``StateSys``) for ``SMS_STATE_SYSTEM``.

Site-server components write their log under a short name that is not the component's own
(``statesys.log`` holds ``$$<SMS_STATE_SYSTEM>``), and an admin knows them by the log: a filter
``comp:StateSys`` must find SMS_STATE_SYSTEM even when the records come from a renamed copy of
the log or a merged file. The table maps a log's base name to the components written in it.

Where the pairs come from (read in the logs, not guessed): the site-server entries are the
``$$<COMPONENT>`` of each log in the MECM 2403 lab site's collected Logs folder
(``../shared/reallogs/bundles/Prasad4455__MEMCM2403__Logs.zip``, 120 logs) and in
``site-CHQ-lab``/``site-LA1``; the management point and client entries are the ``component=""``
of the fixtures' and the real client logs (``PolicyAgent.log`` holds four PolicyAgent_* components).
Logs whose name is their component's (ScanAgent, WUAHandler...) need no entry.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

COMPONENT_LOGS: Final = MappingProxyType({
    # the software-update path on the site server and the management point
    "WSyncMgr": ("SMS_WSUS_SYNC_MANAGER",),
    "WCM": ("SMS_WSUS_CONFIGURATION_MANAGER",),
    "WSUSCtrl": ("SMS_WSUS_CONTROL_MANAGER",),
    "StateSys": ("SMS_STATE_SYSTEM",),
    "PolicyPv": ("SMS_POLICY_PROVIDER",),
    "SMSDBMON": ("SMS_DATABASE_NOTIFICATION_MONITOR",),
    "MPFDM": ("SMS_MP_FILE_DISPATCH_MANAGER",),
    "MP_Location": ("MP_LocationManager",),
    "MP_Relay": ("MP_RelayEndpoint",),
    # the client
    "PolicyAgent": ("PolicyAgent_RequestAssignments", "PolicyAgent_ReplyAssignments",
                    "PolicyAgent_PolicyDownload", "PolicyAgent_PolicyEvaluator"),
    "PolicyEvaluator": ("PolicyAgent_PolicyEvaluator",),
    "UpdatesDeployment": ("UpdatesDeploymentAgent",),
    # the rest of a primary site's logs (the lab bundle)
    "ADForestDisc": ("SMS_AD_FOREST_DISCOVERY_MANAGER",),
    "adctrl": ("SMS_EN_ADSERVICE_MONITOR",),
    "adsgdis": ("SMS_AD_SECURITY_GROUP_DISCOVERY_AGENT",),
    "adsysdis": ("SMS_AD_SYSTEM_DISCOVERY_AGENT",),
    "adusrdis": ("SMS_AD_USER_DISCOVERY_AGENT",),
    "aikbmgr": ("SMS_AI_KB_MANAGER",),
    "BgbServer": ("SMS_NOTIFICATION_SERVER",),
    "bgbmgr": ("SMS_NOTIFICATION_MANAGER",),
    "ccm": ("SMS_CLIENT_CONFIG_MANAGER",),
    "CertMgr": ("SMS_CERTIFICATE_MANAGER",),
    "chmgr": ("SMS_CLIENT_HEALTH",),
    "CloudMgr": ("SMS_CLOUD_SERVICES_MANAGER",),
    "cloudusersync": ("SMS_CLOUD_USERSYNC",),
    "CMUpdate": ("CONFIGURATION_MANAGER_UPDATE",),
    "colleval": ("SMS_COLLECTION_EVALUATOR",),
    "compmon": ("SMS_COMPONENT_MONITOR",),
    "compsumm": ("SMS_COMPONENT_STATUS_SUMMARIZER",),
    "dataldr": ("SMS_INVENTORY_DATA_LOADER",),
    "ddm": ("SMS_DISCOVERY_DATA_MANAGER",),
    "despool": ("SMS_DESPOOLER",),
    "distmgr": ("SMS_DISTRIBUTION_MANAGER",),
    "dmpdownloader": ("SMS_DMP_DOWNLOADER",),
    "dmpuploader": ("SMS_DMP_UPLOADER",),
    "EPMgr": ("SMS_ENDPOINT_PROTECTION_MANAGER",),
    "FailOverMgr": ("SMS_FAILOVER_MANAGER",),
    "hman": ("SMS_HIERARCHY_MANAGER",),
    "inboxmgr": ("SMS_INBOX_MANAGER",),
    "inboxmon": ("SMS_INBOX_MONITOR",),
    "invproc": ("SMS_INVENTORY_PROCESSOR",),
    "licensemgr": ("SMS_LICENSE_MANAGER",),
    "migmctrl": ("SMS_MIGRATION_MANAGER",),
    "mpcontrol": ("SMS_MP_CONTROL_MANAGER",),
    "NotiCtrl": ("SMS_ALERT_NOTIFICATION",),
    "ntsvrdis": ("SMS_WINNT_SERVER_DISCOVERY_AGENT",),
    "objreplmgr": ("SMS_OBJECT_REPLICATION_MANAGER",),
    "offermgr": ("SMS_OFFER_MANAGER",),
    "offersum": ("SMS_OFFER_STATUS_SUMMARIZER",),
    "OfflineServicingMgr": ("SMS_OFFLINE_SERVICING_MANAGER",),
    "outboxmon": ("SMS_OUTBOX_MONITOR",),
    "outgoingcontentmanager": ("SMS_OUTGOING_CONTENT_MANAGER",),
    "PkgXferMgr": ("SMS_PACKAGE_TRANSFER_MANAGER",),
    "rcmctrl": ("SMS_REPLICATION_CONFIGURATION_MONITOR",),
    "replmgr": ("SMS_REPLICATION_MANAGER",),
    "ruleengine": ("SMS_RULE_ENGINE",),
    "schedule": ("SMS_SCHEDULER",),
    "sender": ("SMS_LAN_SENDER",),
    "sinvproc": ("SMS_SOFTWARE_INVENTORY_PROCESSOR",),
    "sitecomp": ("SMS_SITE_COMPONENT_MANAGER",),
    "sitectrl": ("SMS_SITE_CONTROL_MANAGER",),
    "sitestat": ("SMS_SITE_SYSTEM_STATUS_SUMMARIZER",),
    "smsexec": ("SMS_EXECUTIVE",),
    "smssqlbkup": ("SMS_SITE_SQL_BACKUP",),
    "smswriter": ("SMS_SITE_VSS_WRITER",),
    "statmgr": ("SMS_STATUS_MANAGER",),
    "swmproc": ("SMS_SOFTWARE_METERING_PROCESSOR",),
})
"""Log base name → the components written in that log."""


def components_named(name: str) -> frozenset[str]:
    """The components (lower case) a person may mean by ``name``: every table entry whose log name
    contains it, case-insensitively (``statesys``, ``StateSys``, ``wsync`` all work)."""
    v = name.lower()
    if not v:
        return frozenset()
    return frozenset(c.lower() for log, comps in COMPONENT_LOGS.items() if v in log.lower() for c in comps)
