// Indicators from a timeline: file hashes and paths from the diff, addresses and ports contacted, URLs and domains
// named on command lines — each with when it was first and last seen and the evidence that shows it first.
import { RULES_ATTRIBUTE, DROPPER_RULE } from './attack-mapping.js';
import { csvCell } from './timeline-exports.js';
import type { EvidenceLocator, TimelineEvent } from './timeline-model.js';

export type IocType = 'sha256' | 'path' | 'ipv4' | 'ipv6' | 'endpoint' | 'url' | 'domain';

export interface Ioc {
  type: IocType;
  value: string;
  /** Where it applies: the path of a hash, the process of a connection, "loopback" for 127.0.0.1… */
  context: string;
  /** loopback, private, link-local or public (addresses and endpoints); "" otherwise. */
  scope: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  /** The first event showing it, and its evidence. */
  eventId: string;
  evidence: EvidenceLocator | null;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const URL_PATTERN = /\b((?:https?|ftp|tftp|stratum\d?\+(?:tcp|ssl|tls)):\/\/[^\s'"<>]+)/gi;

/** Coarse reachability class of an address, so a reader (and the STIX export) can leave loopback aside. */
export function addressScope(address: string): string {
  const v4 = IPV4.exec(address);
  if (v4 !== null) {
    const [a = 0, b = 0] = [Number(v4[1]), Number(v4[2])];
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
    if (a === 169 && b === 254) return 'link-local';
    if (a === 0) return 'unspecified';
    return 'public';
  }
  const v6 = address.toLowerCase();
  if (v6 === '::1') return 'loopback';
  if (v6 === '::') return 'unspecified';
  if (v6.startsWith('fe80:')) return 'link-local';
  if (/^f[cd][0-9a-f]{2}:/.test(v6)) return 'private';
  if (v6.startsWith('::ffff:')) return addressScope(v6.slice(7));
  return 'public';
}

const isIp = (value: string): boolean => IPV4.test(value) || (value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value));

/** The host part of a URL ("" when it has none); brackets of an IPv6 literal removed. */
function urlHost(url: string): string {
  const match = /^[a-z0-9+.-]+:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return (match?.[1] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
}

const ATTACKER_SOURCES = new Set([
  'syscall',
  'tetragon',
  'falco',
  'filesystem',
  'engine',
  'container-logs',
  'kubernetes',
  'kubernetes-audit',
]);

export class IocCollector {
  private readonly found = new Map<string, Ioc>();

  private note(type: IocType, value: string, context: string, scope: string, event: TimelineEvent): void {
    if (value === '') return;
    const key = `${type}\u0000${value}`;
    const known = this.found.get(key);
    if (known !== undefined) {
      known.count++;
      known.lastSeen = event.at;
      return;
    }
    this.found.set(key, {
      type,
      value,
      context,
      scope,
      firstSeen: event.at,
      lastSeen: event.at,
      count: 1,
      eventId: event.id,
      evidence: event.evidence,
    });
  }

  /** Events in merge order, so first and last seen are the timeline's. */
  add(event: TimelineEvent): void {
    if (!ATTACKER_SOURCES.has(event.source)) return;
    const attributes = event.attributes;
    const path = event.subject.path;
    if (event.source === 'filesystem' && (event.kind === 'file.added' || event.kind === 'file.modified')) {
      const sha256 = typeof attributes['sha256'] === 'string' ? attributes['sha256'] : '';
      if (path !== undefined) {
        this.note('path', path, event.kind === 'file.added' ? 'added file' : 'modified file', '', event);
        if (sha256 !== '') this.note('sha256', sha256, path, '', event);
      }
    }
    const rules = typeof attributes[RULES_ATTRIBUTE] === 'string' ? attributes[RULES_ATTRIBUTE].split(',') : [];
    if (rules.includes(DROPPER_RULE.id)) {
      const exe = typeof attributes['exe'] === 'string' ? attributes['exe'] : (path ?? '');
      this.note('path', exe, 'written, made executable and run', '', event);
    }
    const address = event.subject.address;
    if (event.kind === 'network.connect' && address !== undefined && isIp(address)) {
      const scope = addressScope(address);
      const process = event.subject.process ?? '';
      this.note(address.includes(':') ? 'ipv6' : 'ipv4', address, process, scope, event);
      if (event.subject.port !== undefined) {
        const endpoint = address.includes(':')
          ? `[${address}]:${event.subject.port}`
          : `${address}:${event.subject.port}`;
        this.note('endpoint', endpoint, process, scope, event);
      }
    }
    if (event.kind === 'process.exec' || event.source === 'falco' || event.source === 'kubernetes-audit') {
      for (const match of (event.subject.process ?? '').matchAll(URL_PATTERN)) {
        const url = match[1] ?? '';
        this.note('url', url, event.subject.process ?? '', '', event);
        const host = urlHost(url);
        if (host !== '' && !isIp(host)) this.note('domain', host, url, '', event);
        else if (host !== '') this.note(host.includes(':') ? 'ipv6' : 'ipv4', host, url, addressScope(host), event);
      }
    }
  }

  /** Sorted by type, then value: the same timeline gives the same list. */
  list(): Ioc[] {
    return [...this.found.values()].sort((a, b) =>
      a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
    );
  }
}

export const IOC_CSV_HEADER =
  'type,value,scope,context,first_seen,last_seen,count,event_id,evidence_item,evidence_sha256,evidence_locator';

export function iocCsvRow(ioc: Ioc): string {
  return [
    ioc.type,
    ioc.value,
    ioc.scope,
    ioc.context,
    ioc.firstSeen,
    ioc.lastSeen,
    String(ioc.count),
    ioc.eventId,
    ioc.evidence?.itemId ?? '',
    ioc.evidence?.sha256 ?? '',
    ioc.evidence?.locator ?? '',
  ]
    .map(csvCell)
    .join(',');
}
