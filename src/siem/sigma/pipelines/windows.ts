/**
 * Windows event logs (EVTX as JSON → `winlog.*`, see src/siem/winlog.ts) for SigmaHQ's Windows
 * rules: the channels and event ids of the Sigma taxonomy appendix (sigma-appendix-taxonomy.md,
 * "Windows Folder"), the `System` fields under their Sigma names, and every other field read from
 * `winlog.event_data` under its own name (Sigma names EventData fields as Windows does).
 */
import type { PipelineItem } from '../pipeline.js'

const SYSMON = 'Microsoft-Windows-Sysmon/Operational'
const PS = ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']

/** Sigma's names for the `<System>` header (tag_attribute) → our paths. */
export const WINDOWS_SYSTEM_FIELDS: Record<string, string[]> = {
  EventID: ['winlog.event_id'],
  Channel: ['winlog.channel'],
  Provider_Name: ['winlog.provider_name'],
  Provider_Guid: ['winlog.provider_guid'],
  Computer: ['winlog.computer_name'],
  EventRecordID: ['winlog.record_id'],
  Level: ['winlog.level'],
  Task: ['winlog.task'],
  Opcode: ['winlog.opcode'],
  Keywords: ['winlog.keywords'],
  Version: ['winlog.version'],
  Execution_ProcessID: ['winlog.process.pid'],
  Execution_ThreadID: ['winlog.process.thread.id'],
  Security_UserID: ['winlog.user.identifier'],
  TimeCreated_SystemTime: ['winlog.time_created'],
  Correlation_ActivityID: ['winlog.activity_id'],
}

/** category → [event ids, channels] (taxonomy appendix, "Windows Folder / Category"). */
const CATEGORIES: Record<string, [number[], string[]]> = {
  process_creation: [[1], [SYSMON]],
  file_change: [[2], [SYSMON]],
  network_connection: [[3], [SYSMON]],
  sysmon_status: [[4, 16], [SYSMON]],
  process_termination: [[5], [SYSMON]],
  driver_load: [[6], [SYSMON]],
  image_load: [[7], [SYSMON]],
  create_remote_thread: [[8], [SYSMON]],
  raw_access_thread: [[9], [SYSMON]],
  process_access: [[10], [SYSMON]],
  file_event: [[11], [SYSMON]],
  registry_event: [[12, 13, 14], [SYSMON]],
  registry_add: [[12], [SYSMON]],
  registry_delete: [[12], [SYSMON]],
  registry_set: [[13], [SYSMON]],
  registry_rename: [[14], [SYSMON]],
  create_stream_hash: [[15], [SYSMON]],
  pipe_created: [[17, 18], [SYSMON]],
  wmi_event: [[19, 20, 21], [SYSMON]],
  dns_query: [[22], [SYSMON]],
  file_delete: [[23], [SYSMON]],
  clipboard_capture: [[24], [SYSMON]],
  process_tampering: [[25], [SYSMON]],
  file_delete_detected: [[26], [SYSMON]],
  file_block_executable: [[27], [SYSMON]],
  file_block_shredding: [[28], [SYSMON]],
  file_executable_detected: [[29], [SYSMON]],
  sysmon_error: [[255], [SYSMON]],
  ps_classic_start: [[400], ['Windows PowerShell']],
  ps_classic_provider_start: [[600], ['Windows PowerShell']],
  ps_classic_script: [[800], ['Windows PowerShell']],
  ps_module: [[4103], PS],
  ps_script: [[4104], PS],
}

/** service → channels (taxonomy appendix, "Windows Folder / Service"). */
const SERVICES: Record<string, string[]> = {
  application: ['Application'],
  'application-experience': ['Microsoft-Windows-Application-Experience/Program-Telemetry', 'Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant'],
  applocker: ['Microsoft-Windows-AppLocker/MSI and Script', 'Microsoft-Windows-AppLocker/EXE and DLL', 'Microsoft-Windows-AppLocker/Packaged app-Deployment', 'Microsoft-Windows-AppLocker/Packaged app-Execution'],
  'appmodel-runtime': ['Microsoft-Windows-AppModel-Runtime/Admin'],
  'appxdeployment-server': ['Microsoft-Windows-AppXDeploymentServer/Operational'],
  'appxpackaging-om': ['Microsoft-Windows-AppxPackaging/Operational'],
  bitlocker: ['Microsoft-Windows-BitLocker/BitLocker Management'],
  'bits-client': ['Microsoft-Windows-Bits-Client/Operational'],
  capi2: ['Microsoft-Windows-CAPI2/Operational'],
  'certificateservicesclient-lifecycle-system': ['Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational'],
  'codeintegrity-operational': ['Microsoft-Windows-CodeIntegrity/Operational'],
  dhcp: ['Microsoft-Windows-DHCP-Server/Operational'],
  'diagnosis-scripted': ['Microsoft-Windows-Diagnosis-Scripted/Operational'],
  'dns-client': ['Microsoft-Windows-DNS Client Events/Operational'],
  'dns-server': ['DNS Server'],
  'dns-server-analytic': ['Microsoft-Windows-DNS-Server/Analytical'],
  'dns-server-audit': ['Microsoft-Windows-DNS-Server/Audit'],
  'driver-framework': ['Microsoft-Windows-DriverFrameworks-UserMode/Operational'],
  'firewall-as': ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'],
  'hyper-v-worker': ['Microsoft-Windows-Hyper-V-Worker'],
  'iis-configuration': ['Microsoft-IIS-Configuration/Operational'],
  'kernel-event-tracing': ['Microsoft-Windows-Kernel-EventTracing'],
  'kernel-shimengine': ['Microsoft-Windows-Kernel-ShimEngine/Operational', 'WinEventLog:Microsoft-Windows-Kernel-ShimEngine/Diagnostic'],
  ldap: ['Microsoft-Windows-LDAP-Client/Debug'],
  'lsa-server': ['Microsoft-Windows-LSA/Operational'],
  'msexchange-management': ['MSExchange Management'],
  ntfs: ['Microsoft-Windows-Ntfs/Operational'],
  ntlm: ['Microsoft-Windows-NTLM/Operational'],
  openssh: ['OpenSSH/Operational'],
  powershell: ['Microsoft-Windows-PowerShell/Operational'],
  'powershell-classic': ['Windows PowerShell'],
  'printservice-admin': ['Microsoft-Windows-PrintService/Admin'],
  'printservice-operational': ['Microsoft-Windows-PrintService/Operational'],
  security: ['Security'],
  'security-mitigations': ['Microsoft-Windows-Security-Mitigations/Kernel Mode', 'Microsoft-Windows-Security-Mitigations/User Mode'],
  sense: ['Microsoft-Windows-SENSE/Operational'],
  'servicebus-client': ['Microsoft-ServiceBus-Client/Operational', 'Microsoft-ServiceBus-Client/Admin'],
  'shell-core': ['Microsoft-Windows-Shell-Core/Operational'],
  'smbclient-security': ['Microsoft-Windows-SmbClient/Security'],
  sysmon: [SYSMON],
  system: ['System'],
  taskscheduler: ['Microsoft-Windows-TaskScheduler/Operational'],
  'terminalservices-localsessionmanager': ['Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'],
  vhdmp: ['Microsoft-Windows-VHDMP/Operational'],
  windefend: ['Microsoft-Windows-Windows Defender/Operational'],
  wmi: ['Microsoft-Windows-WMI-Activity/Operational'],
}

/** Security 4688 (process creation audit) under Sysmon's names, for `category: process_creation`. */
const SECURITY_4688_FIELDS: Record<string, string[]> = {
  Image: ['winlog.event_data.NewProcessName'],
  ParentImage: ['winlog.event_data.ParentProcessName'],
  ProcessId: ['winlog.event_data.NewProcessId'],
  ParentProcessId: ['winlog.event_data.ProcessId'],
}

export const WINDOWS_ITEMS: PipelineItem[] = [
  { logsource: { product: 'windows' }, when: { 'event.dataset': ['winlog'] }, prefixes: ['winlog.event_data.', 'winlog.user_data.'] },
  ...Object.entries(CATEGORIES).map(([category, [ids, channels]]): PipelineItem => ({
    logsource: { product: 'windows', category },
    when: category === 'process_creation'
      ? [{ 'winlog.channel': channels, 'winlog.event_id': ids }, { 'winlog.channel': ['Security'], 'winlog.event_id': [4688] }]
      : { 'winlog.channel': channels, 'winlog.event_id': ids },
  })),
  { logsource: { product: 'windows', category: 'process_creation' }, fields: SECURITY_4688_FIELDS, fieldsWhen: { 'winlog.channel': ['Security'], 'winlog.event_id': [4688] } },
  ...Object.entries(SERVICES).map(([service, channels]): PipelineItem => ({ logsource: { product: 'windows', service }, when: { 'winlog.channel': channels } })),
]
