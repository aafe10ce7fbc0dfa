"""HRESULT lookup for the codes that show up in software-update scan logs.

Every component in the scan chain writes the same 32-bit failure code, but each spells it
its own way (``0x87d00692``, ``[80244019]``, ``hr=8007000E``, ``-2016410012``,
``LE=0X8013150a``...). To tie a WUAHandler failure to the WindowsUpdate.log line and the
WSUS IIS status behind it, the timeline needs one canonical uint32 per code and a short
explanation an admin can act on. This module gives both. It is pure and synchronous so
parsers and flows can call it per line.

The table covers section 6 of ``log-formats.md`` (WUA, WinHTTP, common Win32/COM/trust,
.NET and ConfigMgr codes). Meanings are paraphrased. Codes outside the table still get an
honest description built from the HRESULT facility (see :func:`describe`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ALL_CODES",
    "FAMILIES",
    "ErrorInfo",
    "describe",
    "find_codes",
    "http_status_to_code",
    "lookup",
    "normalize_code",
]

FAMILIES = (
    "windows-update",
    "winhttp",
    "win32",
    "configmgr",
    "certificate",
    "wsus-site",
    "dotnet",
    "unknown",
)

_UINT32 = 0xFFFFFFFF
_FAILURE_BIT = 0x80000000


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What sumtrace knows about one code: symbol, a one-line meaning, and its family.

    ``family`` lets the UI group and colour codes without parsing names; it is one of
    :data:`FAMILIES`.
    """

    code: int
    name: str
    meaning: str
    family: str

    @property
    def hex(self) -> str:
        """Canonical spelling used everywhere in the UI, e.g. ``0x80244017``."""
        return f"0x{self.code:08X}"


# --------------------------------------------------------------------------------------
# The table. Each block is (code, name, meaning); the family is given per block.
# Names without an official SDK symbol (ConfigMgr message texts, a few legacy codes) are
# readable UPPER_SNAKE names derived from the message; they never carry an "_E_" infix
# so they can't be mistaken for a real header constant.
# --------------------------------------------------------------------------------------

# fmt: off
_WINDOWS_UPDATE: tuple[tuple[int, str, str], ...] = (
    (0x80240001, "WU_E_NO_SERVICE", "The Windows Update Agent could not provide the service."),
    (0x80240007, "WU_E_INVALIDINDEX", "An index into a WUA collection was out of range."),
    (0x80240008, "WU_E_ITEMNOTFOUND", "The key being looked up was not found."),
    (0x80240009, "WU_E_OPERATIONINPROGRESS", "Another conflicting operation (for example an install) is already running."),
    (0x8024000B, "WU_E_CALL_CANCELLED", "The operation was cancelled; during a scan this often means result filtering could not finish because of supersedence bloat."),
    (0x8024000C, "WU_E_NOOP", "There was nothing to do."),
    (0x8024000D, "WU_E_XML_MISSINGDATA", "The update XML is missing required data."),
    (0x8024000E, "WU_E_XML_INVALID", "The update XML contains invalid data."),
    (0x80240016, "WU_E_INSTALL_NOT_ALLOWED", "Install refused because another install is running or a reboot is pending."),
    (0x80240017, "WU_E_NOT_APPLICABLE", "None of the updates apply to this machine."),
    (0x8024001E, "WU_E_SERVICE_STOP", "The Windows Update service or the OS was shutting down."),
    (0x8024001F, "WU_E_NO_CONNECTION", "No network connection was available."),
    (0x80240020, "WU_E_NO_INTERACTIVE_USER", "The operation needs a signed-in interactive user."),
    (0x80240021, "WU_E_TIME_OUT", "The operation timed out."),
    (0x80240022, "WU_E_ALL_UPDATES_FAILED", "Every update in the operation failed."),
    (0x80240024, "WU_E_NO_UPDATE", "There were no updates to act on."),
    (0x80240025, "WU_E_USER_ACCESS_DISABLED", "Group Policy blocks the user from Windows Update."),
    (0x8024002B, "WU_E_LEGACYSERVER", "The update server is too old for this client."),
    (0x8024002C, "WU_E_BIN_SOURCE_ABSENT", "A delta install needs source files that are not on the machine."),
    (0x8024002D, "WU_E_SOURCE_ABSENT", "A full-file install needs source files that are not on the machine."),
    (0x8024002E, "WU_E_WU_DISABLED", "Access to an unmanaged server is blocked (DisableWindowsUpdateAccess policy)."),
    (0x80240030, "WU_E_INVALID_PROXY_SERVER", "The proxy list is malformed."),
    (0x80240032, "WU_E_INVALID_CRITERIA", "The search criteria string is invalid."),
    (0x80240033, "WU_E_EULA_UNAVAILABLE", "The license terms for an update could not be downloaded."),
    (0x80240034, "WU_E_DOWNLOAD_FAILED", "The update download failed."),
    (0x80240037, "WU_E_NOT_SUPPORTED", "The operation is not supported."),
    (0x80240038, "WU_E_WINHTTP_INVALID_FILE", "A downloaded file had an unexpected content type."),
    (0x80240039, "WU_E_TOO_MANY_RESYNC", "The server asked the client to resync too many times."),
    (0x80240FFF, "WU_E_UNEXPECTED", "Unexpected catch-all Windows Update Agent error."),
    (0x8024043D, "WU_E_SERVICEPROP_NOTAVAIL", "The requested update-service property is not available."),
    (0x80240436, "WU_E_PT_CATALOG_SYNC_REQUIRED", "The server requires a full catalog search."),
    (0x80240437, "WU_E_PT_SECURITY_VERIFICATION_FAILURE", "The service rejected the client's authorization."),
    (0x80240438, "WU_E_PT_ENDPOINT_UNREACHABLE", "The update endpoint is unreachable: WSUS down, IIS pool stopped, or Windows Update blocked."),
    (0x80240439, "WU_E_PT_INVALID_FORMAT", "The service response broke the expected data contract."),
    (0x8024043A, "WU_E_PT_INVALID_URL", "The service URL is invalid."),
    (0x80240440, "WU_E_PT_ENDPOINT_DISCONNECTED", "The connection to the update endpoint was dropped."),
    (0x80241001, "WU_E_MSI_WRONG_VERSION", "Windows Installer is too old, so the scan may miss updates."),
    (0x80242006, "WU_E_UH_INVALIDMETADATA", "The update's metadata is invalid for its installer handler."),
    (0x80242007, "WU_E_UH_INSTALLERHUNG", "The update installer ran past its time limit."),
    (0x8024200B, "WU_E_UH_INSTALLERFAILURE", "The installer failed for one or more updates."),
    (0x80242014, "WU_E_UH_POSTREBOOTSTILLPENDING", "Post-reboot install work is still pending."),
    (0x80242015, "WU_E_UH_POSTREBOOTRESULTUNKNOWN", "The result of the post-reboot install step is unknown."),
    (0x80242017, "WU_E_UH_NEW_SERVICING_STACK_REQUIRED", "A newer servicing stack update must be installed first."),
    (0x80244001, "WU_E_PT_SOAPCLIENT_INITIALIZE", "The SOAP client could not initialise."),
    (0x80244004, "WU_E_PT_SOAPCLIENT_CONNECT", "The SOAP client could not connect to the update server."),
    (0x80244005, "WU_E_PT_SOAPCLIENT_SEND", "Sending the request failed; the underlying WinHTTP error has the detail."),
    (0x80244006, "WU_E_PT_SOAPCLIENT_SERVER", "The update server reported a server-side error."),
    (0x80244007, "WU_E_PT_SOAPCLIENT_SOAPFAULT", "The server returned a SOAP fault, typically cookie renewal or too many InstalledNonLeafUpdateIDs."),
    (0x80244008, "WU_E_PT_SOAPCLIENT_PARSEFAULT", "The SOAP fault returned by the server could not be parsed."),
    (0x80244009, "WU_E_PT_SOAPCLIENT_READ", "Reading the server response failed."),
    (0x8024400A, "WU_E_PT_SOAPCLIENT_PARSE", "The server response could not be parsed."),
    (0x8024400B, "WU_E_PT_SOAP_VERSION", "The SOAP envelope namespace is unknown."),
    (0x8024400C, "WU_E_PT_SOAP_MUST_UNDERSTAND", "A mandatory SOAP header was not understood."),
    (0x8024400D, "WU_E_PT_SOAP_CLIENT", "The server says the client's message was malformed."),
    (0x8024400E, "WU_E_PT_SOAP_SERVER", "The server failed to process the message; retry later."),
    (0x8024400F, "WU_E_PT_WMI_ERROR", "An unspecified WMI error occurred."),
    (0x80244010, "WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS", "Too many round trips to the server, typical of an oversized WSUS catalog (or an untrusted SSL chain)."),
    (0x80244011, "WU_E_PT_SUS_SERVER_NOT_SET", "The WUServer policy value is missing."),
    (0x80244015, "WU_E_PT_REFRESH_CACHE_REQUIRED", "The server changed or the cookie is invalid; the client must refresh and retry."),
    (0x80244016, "WU_E_PT_HTTP_STATUS_BAD_REQUEST", "HTTP 400: the server rejected the request as bad."),
    (0x80244017, "WU_E_PT_HTTP_STATUS_DENIED", "HTTP 401: access denied, usually proxy or WSUS authentication."),
    (0x80244018, "WU_E_PT_HTTP_STATUS_FORBIDDEN", "HTTP 403: forbidden, usually proxy or authentication (or client-certificate) settings."),
    (0x80244019, "WU_E_PT_HTTP_STATUS_NOT_FOUND", "HTTP 404: the requested URL or file was not found on the server."),
    (0x8024401A, "WU_E_PT_HTTP_STATUS_BAD_METHOD", "HTTP 405: the HTTP method is not allowed."),
    (0x8024401B, "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ", "HTTP 407: the proxy requires authentication."),
    (0x8024401C, "WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT", "HTTP 408: the server timed out waiting for the request."),
    (0x8024401D, "WU_E_PT_HTTP_STATUS_CONFLICT", "HTTP 409: the request conflicts with the resource state."),
    (0x8024401E, "WU_E_PT_HTTP_STATUS_GONE", "HTTP 410: the resource is gone."),
    (0x8024401F, "WU_E_PT_HTTP_STATUS_SERVER_ERROR", "HTTP 500: internal server error in the WSUS web service."),
    (0x80244020, "WU_E_PT_HTTP_STATUS_NOT_SUPPORTED", "HTTP 500: the server does not support the requested function."),
    (0x80244021, "WU_E_PT_HTTP_STATUS_BAD_GATEWAY", "HTTP 502: bad gateway, usually a proxy between client and WSUS."),
    (0x80244022, "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL", "HTTP 503: service unavailable, typically the WSUS app pool (WsusPool) stopped or overloaded."),
    (0x80244023, "WU_E_PT_HTTP_STATUS_GATEWAY_TIMEOUT", "HTTP 504: gateway timeout, usually a proxy giving up on WSUS."),
    (0x80244024, "WU_E_PT_HTTP_STATUS_VERSION_NOT_SUP", "HTTP 505: the HTTP version is not supported."),
    (0x80244025, "WU_E_PT_FILE_LOCATIONS_CHANGED", "The update file locations changed; the client must refresh."),
    (0x8024402B, "WU_E_PT_HTTP_STATUS_NOT_MAPPED", "An HTTP failure with a status that has no specific WU code."),
    (0x8024402C, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", "The proxy or update server name did not resolve (DNS)."),
    (0x8024402D, "WU_E_PT_LOAD_SHEDDING", "The server is shedding load; retry later."),
    (0x8024402F, "WU_E_PT_ECP_SUCCEEDED_WITH_ERRORS", "External CAB processing finished with errors, often caused by a web filter."),
    (0x80244FFF, "WU_E_PT_UNEXPECTED", "Unexpected catch-all communication error."),
    (0x80245003, "WU_E_REDIRECTOR_ID_SMALLER", "The downloaded redirector cab is older than the cached one; often a corrupt WU component."),
    (0x8024500C, "WU_E_REDIRECTOR_CONNECT_POLICY", "Policy forbids contacting the Windows/Microsoft Update redirector."),
    (0x80246002, "WU_E_DM_INCORRECTFILEHASH", "A downloaded file's hash does not match, e.g. DP content differs from WSUS metadata."),
    (0x80246005, "WU_E_DM_NONETWORK", "No network was available for the download."),
    (0x80246007, "WU_E_DM_NOTDOWNLOADED", "The update has not been downloaded yet."),
    (0x80246008, "WU_E_DM_FAILTOCONNECTTOBITS", "The download manager could not connect to BITS."),
    (0x80246009, "WU_E_DM_BITSTRANSFERERROR", "A BITS transfer failed."),
    (0x80248007, "WU_E_DS_NODATA", "The requested data is not in the Windows Update datastore."),
    (0x8024800C, "WU_E_DS_LOCKTIMEOUTEXPIRED", "Timed out waiting for a lock on the Windows Update datastore."),
    (0x80248011, "WU_E_DS_UNABLETOSTART", "The out-of-process Windows Update datastore could not start."),
    (0x80249005, "WU_E_INVENTORY_WMI_ERROR", "A WMI error occurred while collecting inventory."),
    (0x8024B303, "WU_E_TRUST_SUBJECT_NOT_TRUSTED", "The update's signer is not trusted for this action (third-party update signing certificate)."),
    (0x8024D009, "WU_E_SETUP_SKIP_UPDATE", "The Windows Update Agent self-update was skipped as wuident.cab instructs."),
    (0x8024E002, "WU_E_EE_INVALID_EXPRESSION", "An update's applicability expression is invalid."),
    (0x8024F004, "WU_E_SERVER_BUSY", "The server rejected a reporting event because it was busy."),
    (0x00240005, "WU_S_REBOOT_REQUIRED", "Success, but a reboot is required to finish."),
    (0x00240006, "WU_S_ALREADY_INSTALLED", "Success: the update was already installed."),
    # Not WUA facility, but logged by and handled as Windows Update components.
    (0x8DDD0018, "BITS_COMPONENT_CORRUPT", "Legacy Windows/Microsoft Update error blamed on missing or corrupt BITS files; reset the update components."),
    (0x80D02002, "DO_E_DOWNLOAD_NO_PROGRESS", "Delivery Optimization saw no download progress within its time limit."),
)

_WINHTTP: tuple[tuple[int, str, str], ...] = (
    (0x80072EE2, "ERROR_WINHTTP_TIMEOUT", "WinHTTP error 12002: the request to the server timed out."),
    (0x80072EE7, "ERROR_WINHTTP_NAME_NOT_RESOLVED", "WinHTTP error 12007: the server or proxy name did not resolve (DNS)."),
    (0x80072EFD, "ERROR_WINHTTP_CANNOT_CONNECT", "WinHTTP error 12029: the TCP connection failed (firewall, wrong port, or service down)."),
    (0x80072EFE, "ERROR_WINHTTP_CONNECTION_ERROR", "WinHTTP error 12030: the connection was dropped abnormally."),
    (0x80072F05, "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID", "WinHTTP error 12037: the server certificate is expired or not yet valid."),
    (0x80072F06, "ERROR_WINHTTP_SECURE_CERT_CN_INVALID", "WinHTTP error 12038: the server certificate name does not match the host name."),
    (0x80072F0C, "ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED", "WinHTTP error 12044: the server requires a client certificate (WSUS virtual directory set to accept or require client certs)."),
    (0x80072F0D, "ERROR_WINHTTP_SECURE_INVALID_CA", "WinHTTP error 12045: the server certificate chains to an untrusted CA."),
    (0x80072F78, "ERROR_WINHTTP_INVALID_SERVER_RESPONSE", "WinHTTP error 12152: the server response could not be parsed."),
    (0x80072F8F, "ERROR_WINHTTP_SECURE_FAILURE", "WinHTTP error 12175: TLS or certificate failure (clock skew, revocation check, protocol mismatch)."),
)

_WIN32: tuple[tuple[int, str, str], ...] = (
    (0x00000000, "S_OK", "Success; no error."),
    (0x80004005, "E_FAIL", "Unspecified failure; next to 0x87D00692 in WUAHandler it points at a corrupt registry.pol."),
    (0x80004015, "CO_E_WRONG_SERVER_IDENTITY", "A COM server is configured to run as a different identity than the caller; often a broken WU component."),
    (0x80070002, "ERROR_FILE_NOT_FOUND", "A required file was not found."),
    (0x80070005, "E_ACCESSDENIED", "Access denied."),
    (0x8007000D, "ERROR_INVALID_DATA", "The data is invalid, e.g. a corrupt download."),
    (0x8007000E, "E_OUTOFMEMORY", "Out of memory, classically ISusInternal::GetUpdateMetadata2 on 32-bit clients with a large catalog."),
    (0x80070070, "ERROR_DISK_FULL", "The disk is full."),
    (0x80070422, "ERROR_SERVICE_DISABLED", "A required service (usually Windows Update) is disabled."),
    (0x80070424, "ERROR_SERVICE_DOES_NOT_EXIST", "A required service is not installed; a WU component is missing."),
    (0x8007045B, "ERROR_SHUTDOWN_IN_PROGRESS", "The system is shutting down."),
    (0x80070514, "ERROR_NOT_ALL_ASSIGNED", "Not all requested privileges were assigned to the caller; often a damaged WU component."),
    (0x800705B4, "ERROR_TIMEOUT", "The operation timed out."),
    (0x80070643, "ERROR_INSTALL_FAILURE", "Windows Installer fatal error (MSI 1603) during install."),
    (0x80070BC2, "ERROR_SUCCESS_REBOOT_REQUIRED", "The install succeeded but needs a reboot (3010)."),
    (0x80070BC9, "ERROR_FAIL_REBOOT_REQUIRED", "The install failed and a reboot is needed to roll it back."),
    (0x80200013, "BG_E_INSUFFICIENT_RANGE_SUPPORT", "BITS needs HTTP Range support but the server or a proxy stripped it."),
    (0x800A0046, "CTL_E_PERMISSIONDENIED", "Permission denied (script/COM runtime error 70); often a damaged WU component."),
    (0x800A01AD, "ACTIVEX_CANNOT_CREATE_OBJECT", "A COM object could not be created (runtime error 429), usually an unregistered WU DLL."),
)

_CERTIFICATE: tuple[tuple[int, str, str], ...] = (
    (0x800B0004, "TRUST_E_SUBJECT_NOT_TRUSTED", "The publisher is not trusted, typically a third-party update signing certificate."),
    (0x800B0100, "TRUST_E_NOSIGNATURE", "The file has no signature; can also mean a damaged WU component."),
    (0x800B0101, "CERT_E_EXPIRED", "A certificate has expired, e.g. the WSUS SSL certificate."),
    (0x800B0109, "CERT_E_UNTRUSTEDROOT", "The certificate chain ends in an untrusted root."),
)

_DOTNET: tuple[tuple[int, str, str], ...] = (
    (0x80131500, "COR_E_EXCEPTION", "A generic .NET exception; in WSyncMgr/WCM usually a failed connection to the WSUS API."),
    (0x8013150A, "COR_E_SECURITY", "A .NET security exception; in WSyncMgr/WCM usually missing permission on the WSUS API."),
)

_CONFIGMGR: tuple[tuple[int, str, str], ...] = (
    (0x87D00213, "CCM_TIMEOUT", "A ConfigMgr client operation timed out."),
    (0x87D00215, "CCM_ITEM_NOT_FOUND", "Item not found; generic and often benign."),
    (0x87D00222, "CCM_OPERATION_CANCELED", "The operation was cancelled."),
    (0x87D00227, "CCM_FUNCTIONALITY_DISABLED", "The functionality is disabled, e.g. the software updates client setting."),
    (0x87D00231, "CCM_TRANSIENT_ERROR", "A transient error; the client will retry."),
    (0x87D00240, "CCM_INSUFFICIENT_DISK_SPACE", "Not enough disk space (usually the ccmcache)."),
    (0x87D00248, "CCM_NETWORK_COMMUNICATION_ERROR", "Network communication failed."),
    (0x87D0025F, "CCM_CLIENT_DISCONNECTED", "The client is disconnected."),
    (0x87D00324, "CCM_APP_NOT_DETECTED_AFTER_INSTALL", "The installer finished but the detection method still does not find the application."),
    (0x87D00600, "CCM_SCAN_TOOL_POLICY_NOT_FOUND", "The software update scan tool policy was not found."),
    (0x87D00601, "CCM_SCAN_TIMED_OUT", "The software update scan timed out."),
    (0x87D00602, "CCM_CONTENT_LOCATION_REQUEST_TIMEOUT", "The WSUS/content location request timed out; check LocationServices and the MP."),
    (0x87D00603, "CCM_SCAN_TOOL_POLICY_REMOVED", "The scan tool policy was removed, so the scan cannot complete."),
    (0x87D00604, "CCM_SCAN_TOOL_NOT_IN_JOB_QUEUE", "The scan tool is not in the job queue."),
    (0x87D00605, "CCM_SCAN_TOOL_REMOVED", "The scan tool has been removed."),
    (0x87D00606, "CCM_OFFLINE_SCAN_HISTORY_NOT_FOUND", "The offline scan tool history was not found."),
    (0x87D00607, "CCM_CONTENT_NOT_FOUND", "The content was not found."),
    (0x87D00628, "CCM_INVALID_CONTENT_LOCATION", "The content location is invalid."),
    (0x87D00629, "CCM_RESCAN_PENDING", "A rescan of the updates is pending."),
    (0x87D00630, "CCM_MAX_RETRIES_EXHAUSTED", "The maximum number of retries was exhausted."),
    (0x87D00631, "CCM_SCAN_RETRY_PENDING", "A scan retry is pending."),
    (0x87D00632, "CCM_ONLINE_SCAN_PENDING", "An online scan is pending."),
    (0x87D00633, "CCM_OFFLINE_SCAN_PENDING", "An offline scan is pending."),
    (0x87D00650, "CCM_PRE_INSTALL_SCAN_FAILED", "The scan before installing updates failed."),
    (0x87D00651, "CCM_POST_INSTALL_SCAN_FAILED", "The scan after installing updates failed."),
    (0x87D00652, "CCM_UPDATE_POLICY_NOT_FOUND", "The software update policy was not found."),
    (0x87D00653, "CCM_UPDATE_DOWNLOAD_FAILURE", "The software update download failed."),
    (0x87D00654, "CCM_UPDATE_INSTALL_FAILURE", "The software update install failed."),
    (0x87D00655, "CCM_UPDATES_INSTALL_FAILED", "One or more software updates failed to install."),
    (0x87D00656, "CCM_UPDATES_HANDLER_INTERNAL_ERROR", "Generic internal error in the updates handler."),
    (0x87D00657, "CCM_DETECT_STATUS_AFTER_SCAN_FAILED", "The scan succeeded but update status could not be determined."),
    (0x87D00658, "CCM_UPDATES_PROCESSING_CANCELLED", "Software update processing was cancelled."),
    (0x87D00659, "CCM_UPDATE_POLICY_READ_ERROR", "The policy for a software update could not be read."),
    (0x87D00660, "CCM_UPDATE_EXECUTION_NOT_MONITORED", "The update's execution could not be monitored."),
    (0x87D00661, "CCM_DETECT_STATUS_AFTER_INSTALL_FAILED", "The install succeeded but the resulting status could not be determined."),
    (0x87D00662, "CCM_INSTALL_TRIGGER_FAILED", "The installation could not be triggered."),
    (0x87D00663, "CCM_INSTALL_STATUS_REPORT_FAILED", "The installation status could not be reported."),
    (0x87D00664, "CCM_UPDATES_HANDLER_JOB_CANCELLED", "The updates handler job was cancelled, often because it hit the maximum run time."),
    (0x87D00665, "CCM_NO_UPDATES_IN_JOB", "The job had no updates to process."),
    (0x87D00666, "CCM_INSTALL_OUTSIDE_SERVICE_WINDOW", "The install cannot run outside a maintenance window."),
    (0x87D00667, "CCM_NO_SERVICE_WINDOW", "No current or future maintenance window exists to install in."),
    (0x87D00668, "CCM_UPDATE_STILL_ACTIONABLE", "The update is still detected as required after it was applied."),
    (0x87D00669, "CCM_NO_CONTENT_LOCATIONS", "No content locations for the update right now; check DP boundaries and content distribution."),
    (0x87D0066A, "CCM_NO_APPLICABLE_BUNDLE_CHILD", "No child update of the bundle is applicable."),
    (0x87D00671, "CCM_WAITING_FOR_ORCHESTRATION", "Waiting for third-party orchestration."),
    (0x87D00690, "CCM_UPDATE_NOT_APPLICABLE", "The update is not applicable."),
    (0x87D00691, "CCM_UPDATE_SOURCE_NOT_FOUND", "The software update source (WSUS) was not found."),
    (0x87D00692, "CCM_GROUP_POLICY_CONFLICT", "Group policy conflict: a domain GPO overrides the WSUS server ConfigMgr set for the client."),
    (0x87D00693, "CCM_WUA_VERSION_TOO_LOW", "The Windows Update Agent version is too low."),
    (0x87D00694, "CCM_WSUS_SOURCE_ALREADY_EXISTS", "The WSUS update source already exists."),
    (0x87D00695, "CCM_INCOMPLETE_SCAN_RESULTS", "The scan results are incomplete."),
    (0x87D00696, "CCM_UPDATE_ALREADY_INSTALLED", "The update is already installed."),
    (0x87D00697, "CCM_ALREADY_INSTALLED_REBOOT_REQUIRED", "The update is already installed but a reboot is needed to complete it."),
    (0x87D00698, "CCM_UPDATE_NOT_ACTIONABLE", "The update is not actionable."),
    (0x87D00699, "CCM_SCAN_ALREADY_IN_PROGRESS", "A scan is already in progress."),
    (0x87D00700, "CCM_INSTALL_NOT_ALLOWED_NOW", "Installation is not allowed at this time."),
    (0x87D00701, "CCM_DOWNLOAD_NOT_ALLOWED_NOW", "Download is not allowed at this time."),
    (0x87D00702, "CCM_ASSIGNMENT_POLICY_NOT_FOUND", "The deployment (assignment) policy was not found."),
    (0x87D00703, "CCM_ANOTHER_INSTALL_JOB_RUNNING", "Another update install job is in progress."),
    (0x87D00704, "CCM_HARD_REBOOT_PENDING", "A hard reboot is pending."),
    (0x87D0070C, "CCM_UPDATE_EXECUTION_TIMEOUT", "The software update ran past its maximum run time."),
    (0x87D00711, "CCM_DEPLOYMENT_NOT_ACTIVE_YET", "The deployment is not active yet; its start time is in the future."),
    (0x87D00712, "CCM_RESTART_REQUIRED_TO_COMPLETE", "A restart is required to complete the installation."),
    (0x87D00713, "CCM_DETECTION_RESULTS_NOT_RECEIVED", "Detection results have not been received yet."),
    (0x87D00714, "CCM_USER_INSTALL_BLOCKED_RESTART_PENDING", "A user-initiated install is blocked because a restart is pending."),
    (0x07D00635, "CCM_SCAN_SKIPPED_HISTORY_VALID", "Success: the scan was skipped because the previous scan history is still valid."),
)

_WSUS_SITE: tuple[tuple[int, str, str], ...] = (
    (0x87D2040C, "SMS_WSUS_SERVER_NOT_READY", "Site side: the WSUS server is not ready."),
    (0x87D2040E, "SMS_WSUS_DB_CONNECTION_FAILURE", "Site side: the WSUS database connection failed."),
    (0x87D2040F, "SMS_WSUS_COMPONENT_FAILURE", "Site side: a WSUS server component failed."),
    (0x87D20413, "SMS_NO_ACTIVE_SUP", "Site side: no active software update point is selected."),
    (0x87D20417, "SMS_ADR_DOWNLOAD_FAILED", "Site side: an automatic deployment rule failed to download updates."),
)

# fmt: on


def _build_table(blocks: Iterable[tuple[str, tuple[tuple[int, str, str], ...]]]) -> Mapping[int, ErrorInfo]:
    """Freeze the blocks into one read-only map, refusing duplicates so a typo can't shadow a code."""
    table: dict[int, ErrorInfo] = {}
    for family, rows in blocks:
        for code, name, meaning in rows:
            if code in table:
                raise ValueError(f"duplicate error code 0x{code:08X} ({name} vs {table[code].name})")
            table[code] = ErrorInfo(code, name, meaning, family)
    return MappingProxyType(table)


ALL_CODES: Mapping[int, ErrorInfo] = _build_table(
    (
        ("windows-update", _WINDOWS_UPDATE),
        ("winhttp", _WINHTTP),
        ("win32", _WIN32),
        ("certificate", _CERTIFICATE),
        ("dotnet", _DOTNET),
        ("configmgr", _CONFIGMGR),
        ("wsus-site", _WSUS_SITE),
    )
)

# Section 3.5 of log-formats.md: IIS sc-status on the WSUS site -> what the client logs.
_HTTP_STATUS: Mapping[int, int] = MappingProxyType(
    {
        400: 0x80244016,
        401: 0x80244017,
        403: 0x80244018,
        404: 0x80244019,
        405: 0x8024401A,
        407: 0x8024401B,
        408: 0x8024401C,
        409: 0x8024401D,
        410: 0x8024401E,
        500: 0x8024401F,
        502: 0x80244021,
        503: 0x80244022,
        504: 0x80244023,
        505: 0x80244024,
    }
)
_HTTP_STATUS_NOT_MAPPED = 0x8024402B


def http_status_to_code(status: int) -> int | None:
    """The WUA HRESULT a client logs when WSUS answers with this HTTP status.

    Lets an IIS ``sc-status`` be matched against client failures. Other 4xx/5xx statuses
    come back as WU_E_PT_HTTP_STATUS_NOT_MAPPED, which is what WUA reports for them;
    non-error statuses have no code.
    """
    code = _HTTP_STATUS.get(status)
    if code is None and 400 <= status <= 599:
        return _HTTP_STATUS_NOT_MAPPED
    return code


# --------------------------------------------------------------------------------------
# Normalising a single spelling
# --------------------------------------------------------------------------------------

# "hr=", "LE=", "Exit code = ", "Error:" or a name glued to a bracket as in "Error(-2147467259)".
# The label's own blanks and the blanks before the separator are one run: after the word-and-space
# run, only a non-space blank (a tab) starts the separate whitespace run, so nothing is ambiguous
# and a long run of spaces is one pass (the lazy ``[\w ]*?\s*`` was quadratic).
_LABEL_RE = re.compile(r"[A-Za-z_][\w ]*(?:[^\S ]\s*)?(?:[=:]\s*|(?=[\[(]))")
_CORE_RE = re.compile(
    r"0[xX](?P<hex>[0-9A-Fa-f]{1,8})(?:\s*\(\s*[-+]?\d+\s*\))?"
    r"|(?P<bare>[0-9A-Fa-f]{8})"
    r"|(?P<dec>-?\d{1,10})"
)
_BRACKETS = {"[": "]", "(": ")"}


def _from_decimal(text: str) -> int | None:
    """Decimal spellings only count as failure HRESULTs: negative int32, or uint32 >= 2**31."""
    value = int(text)
    if value < 0:
        return value & _UINT32 if value >= -(2**31) else None
    return value if _FAILURE_BIT <= value <= _UINT32 else None


def normalize_code(text: str | int) -> int | None:
    """Turn any spelling of an HRESULT into its uint32, or None if the text is not a code.

    Ints are taken as given (negative ones as int32, i.e. two's complement). Strings may
    carry a ``name=``/``name:`` label, one pair of ``[]``/``()`` brackets and a trailing
    ``.``/``,``/``;``. Explicit ``0x`` hex of any length and bare 8-digit hex are accepted.
    Bare decimals are only accepted when they read as a failure HRESULT (negative, or at
    least 2**31), so counts like ``5`` or HTTP statuses like ``200`` are never mistaken
    for codes. An 8-character digit string is read as hex, as WU writes it.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        if -(2**31) <= text <= _UINT32:
            return text & _UINT32
        return None
    s = text.strip().rstrip(".,;").strip()
    label = _LABEL_RE.match(s)
    if label is not None:
        s = s[label.end() :]
    if len(s) >= 2 and _BRACKETS.get(s[0]) == s[-1]:
        s = s[1:-1].strip()
    core = _CORE_RE.fullmatch(s)
    if core is None:
        return None
    if core["hex"] is not None:
        return int(core["hex"], 16)
    if core["bare"] is not None:
        return int(core["bare"], 16)
    return _from_decimal(core["dec"])


# --------------------------------------------------------------------------------------
# Finding codes in free text
# --------------------------------------------------------------------------------------

# Words after which a bare 8-hex-digit value or an unsigned decimal is taken as a code.
# Bare hex elsewhere is ignored: too many other things (signatures, ids) are 8 hex digits.
_CODE_LABEL = r"(?:\b[A-Za-z_]*(?i:error|err|hr|hresult|result|code|status)|\b(?i:le))"
_FIND_RE = re.compile(
    "|".join(
        (
            # 0x-prefixed, exactly 8 digits: "Error = 0x80244022", "LE=0X8013150a", "0x87D00669(".
            r"(?<![0-9A-Za-z_])0[xX](?P<hex>[0-9A-Fa-f]{8})(?![0-9A-Za-z_])",
            # Bracketed bare hex: "*FAILED* [80244019]", "(80070005)". Braces (GUIDs) are not brackets.
            r"[\[(]\s*(?P<bracket>[0-9A-Fa-f]{8})\s*[\])]",
            # Labelled bare hex or unsigned decimal: "hr=8007000E", "error = 2149859352".
            # The gap is unambiguous (each whitespace run is bounded by a distinct literal), so a
            # long run of blanks costs one pass, not the cube of its length.
            _CODE_LABEL + r"\s*(?:[=:]\s*)?(?:\(\s*)?"
            r"(?:(?P<label_hex>[0-9A-Fa-f]{8})(?![0-9A-Za-z_-])|(?P<label_dec>\d{10})(?![0-9A-Za-z_]))",
            # A whole tab-separated field (ReportingEvents.log column 8).
            r"(?:^|(?<=\t))(?P<field>[0-9A-Fa-f]{8})(?=\t|$)",
            # Signed decimal anywhere: "m_hrError = -2016410012", "Error(-2147467259)".
            r"(?<![\w.-])-(?P<neg>\d{9,10})(?![\w-])(?!\.\d)",
        )
    )
)


def find_codes(message: str) -> list[int]:
    """Every distinct failure HRESULT in a log message, in order of appearance.

    Only values with the high (severity) bit set are returned: ``Exit code = 0x00000000``
    or ``0x00240005`` are outcomes, not failures. Bare 8-hex-digit values are only taken
    from ``[...]``/``(...)``, after an error-ish label (``hr=``, ``Error =``, ``LE=``,
    ``Result =``...) or as a whole tab-separated field, so GUID fragments, signatures
    and ``(0x0DCC)`` thread ids never count.
    """
    found: list[int] = []
    for match in _FIND_RE.finditer(message):
        kind = match.lastgroup
        if kind is None:
            continue
        digits = match[kind]
        if kind in ("label_dec", "neg"):
            value = _from_decimal(digits if kind == "label_dec" else "-" + digits)
        else:
            value = int(digits, 16)
        if value is not None and value & _FAILURE_BIT and value not in found:
            found.append(value)
    return found


# --------------------------------------------------------------------------------------
# Lookup and description
# --------------------------------------------------------------------------------------

_FACILITY_WIN32 = 7
_FACILITY_CERT = 11
_FACILITY_URT = 19
_FACILITY_HTTP = 25  # 0x8019xxxx: HTTP status as BITS/urlmon report it (ConfigMgr DTS/CAS downloads)
_FACILITY_WINDOWSUPDATE = 36
_FACILITY_CONFIGMGR_BLOCK = 0x7D  # facilities 0x7D0-0x7DF: 0x87D0xxxx client, 0x87D2xxxx site
_WINHTTP_RANGE = range(12000, 12200)  # WinINet/WinHTTP Win32 error numbers


def _hresult_from_win32(error: int) -> int:
    return 0x80070000 | (error & 0xFFFF)


def _lookup(code: int | str, *, win32_fallback: bool) -> ErrorInfo | None:
    value = normalize_code(code)
    if value is None:
        return None
    info = ALL_CODES.get(value)
    if info is None and win32_fallback and 0 < value <= 0xFFFF:
        info = ALL_CODES.get(_hresult_from_win32(value))
    return info


def lookup(code: int | str) -> ErrorInfo | None:
    """The table entry for a code in any spelling, or None if sumtrace doesn't know it.

    A small positive *int* (1..65535) that is not itself in the table is read as a Win32
    error number, so ``lookup(12002)`` finds 0x80072EE2 and ``lookup(5)`` finds
    E_ACCESSDENIED; IIS's ``sc-win32-status`` column is written that way. Strings never get
    this treatment: ``"5"`` in a log is not a code.
    """
    return _lookup(code, win32_fallback=isinstance(code, int))


def _describe_unknown(value: int) -> ErrorInfo:
    facility = (value >> 16) & 0x7FF
    low = value & 0xFFFF
    failure = bool(value & _FAILURE_BIT)
    where = f"HRESULT facility {facility}, code {low}"
    family = "unknown"
    if facility == _FACILITY_WIN32:
        if low in _WINHTTP_RANGE:
            family, where = "winhttp", f"WinHTTP error {low} (facility 7)"
        else:
            family, where = "win32", f"Win32 error {low} (facility 7)"
    elif facility == _FACILITY_WINDOWSUPDATE:
        family, where = "windows-update", "Windows Update Agent code (facility 36)"
    elif facility >> 4 == _FACILITY_CONFIGMGR_BLOCK:
        family, where = "configmgr", f"ConfigMgr code (facility 0x{facility:03X})"
    elif facility == _FACILITY_CERT:
        family, where = "certificate", "certificate/trust code (facility 11)"
    elif facility == _FACILITY_HTTP and 100 <= low <= 599:
        family, where = "winhttp", f"HTTP status {low} (facility 25, as BITS/urlmon report it)"
    elif facility == _FACILITY_URT:
        family, where = "dotnet", ".NET runtime code (facility 19)"
    if not failure:
        where += ", success/informational (high bit clear), not a failure"
    return ErrorInfo(value, "UNKNOWN", f"Not in sumtrace's table; {where}.", family)


def describe(code: int | str) -> ErrorInfo:
    """Like :func:`lookup` but never None: unknown codes are described from their facility.

    The meaning says plainly that the code is not in the table and what its facility tells
    us (e.g. "Win32 error 1234 (facility 7)"), so the UI never shows a guess as fact.
    A small positive int not in the table is described as the Win32 error it names.
    Raises ValueError for text that is not a code at all.
    """
    value = normalize_code(code)
    if value is None:
        raise ValueError(f"not an error code: {code!r}")
    info = _lookup(value, win32_fallback=isinstance(code, int))
    if info is not None:
        return info
    if isinstance(code, int) and 0 < value <= 0xFFFF:
        value = _hresult_from_win32(value)
    return _describe_unknown(value)
