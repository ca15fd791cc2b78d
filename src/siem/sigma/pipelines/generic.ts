/**
 * Non-Windows log sources onto what our parsers produce (syslog, CEF, JSON, OpenCanary, auditd): which
 * events a product or service's rules see, and the raw field names of the Sigma taxonomy that have
 * an ECS home in our events. Raw names without one are still found: JSON inputs keep their
 * top-level scalars as `labels`, which every field lookup tries last.
 */
import type { PipelineItem } from '../pipeline.js'

const SYSLOG = ['syslog.rfc5424', 'syslog.rfc3164']

/** Sigma taxonomy names (firewall, webserver, proxy, dns, linux, OpenCanary) → ECS paths. */
export const GENERIC_FIELDS: Record<string, string[]> = {
  logtype: ['event.code'],
  dst_port: ['destination.port'],
  dst_ip: ['destination.ip'],
  dst_host: ['destination.ip'],
  src_port: ['source.port'],
  src_ip: ['source.ip'],
  src_host: ['source.ip'],
  'c-ip': ['source.ip'],
  's-ip': ['destination.ip'],
  's-port': ['destination.port'],
  user: ['user.name'],
  username: ['user.name'],
  pam_user: ['user.name'],
  pam_rhost: ['source.ip'],
  action: ['event.action'],
  node_id: ['observer.name'],
  hostname: ['host.hostname'],
  message: ['message'],
  'logdata.USERNAME': ['user.name', 'labels.logdata.USERNAME'],
  'logdata.PASSWORD': ['labels.logdata.PASSWORD'],
  // W3C extended log fields of the webserver and proxy taxonomy → the ECS objects of JSON access logs.
  // SigmaHQ's webserver rules search the request target (path and query) as cs-uri-query
  // (`cs-uri-query|contains: '../../../etc/'`), so it reads url.original first, then url.query.
  'cs-uri-query': ['url.original', 'url.query'],
  'cs-uri-stem': ['url.path'],
  'cs-uri': ['url.original', 'url.full'],
  'c-uri': ['url.full', 'url.original'],
  'c-uri-query': ['url.query'],
  'c-uri-stem': ['url.path'],
  'c-uri-extension': ['url.extension'],
  'cs-host': ['url.domain', 'destination.domain'],
  'r-dns': ['url.domain', 'destination.domain'],
  'cs-method': ['http.request.method'],
  'sc-status': ['http.response.status_code'],
  'cs-referer': ['http.request.referrer'],
  'cs-referrer': ['http.request.referrer'],
  'cs-version': ['http.version'],
  'cs-bytes': ['http.request.bytes'],
  'sc-bytes': ['http.response.bytes'],
  'c-useragent': ['user_agent.original'],
  'cs-user-agent': ['user_agent.original'],
  'cs-username': ['user.name'],
  // Sysmon-named fields that other sources carry in ECS
  Image: ['process.executable'],
  CommandLine: ['process.command_line'],
  ParentImage: ['process.parent.executable'],
  ParentCommandLine: ['process.parent.command_line'],
  ProcessId: ['process.pid'],
  User: ['user.name'],
  SourceIp: ['source.ip'],
  DestinationIp: ['destination.ip'],
  DestinationPort: ['destination.port'],
  SourcePort: ['source.port'],
}

/** linux service → the syslog program (process.name) that writes its lines */
const LINUX_SERVICES: Record<string, string[]> = {
  sshd: ['sshd'],
  sudo: ['sudo'],
  cron: ['cron', 'crond', 'CRON'],
  vsftpd: ['vsftpd'],
  clamav: ['clamd', 'freshclam'],
  guacamole: ['guacd', 'guacamole'],
}

export const GENERIC_ITEMS: PipelineItem[] = [
  { logsource: { product: 'opencanary' }, when: { 'event.dataset': ['opencanary'] } },
  { logsource: { product: 'linux' }, when: { 'event.dataset': [...SYSLOG, 'json', 'cef', 'auditd'] } },
  // audit records (src/siem/auditd.ts): raw auditd.log lines, or forwarded over syslog by the audisp plugin
  {
    logsource: { product: 'linux', service: 'auditd' },
    when: [{ 'event.dataset': ['auditd'] }, { 'process.name': ['audispd', 'audisp-syslog', 'auditd', 'audit'] }],
    fields: { type: ['auditd.message_type'] },
    prefixes: ['auditd.data.'],
  },
  ...Object.entries(LINUX_SERVICES).map(([service, programs]): PipelineItem => ({ logsource: { product: 'linux', service }, when: { 'process.name': programs } })),
]
