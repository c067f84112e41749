// IOCs as a STIX 2.1 bundle: one indicator per IOC, ids derived from content (UUID v5), times from the events.
import { createHash } from 'node:crypto';
import type { Ioc } from '../common/timeline-iocs.js';
import { isoMillis } from '../common/timeline-time.js';

/** HoldCell's UUID v5 namespace for STIX ids (fixed: the same indicator always gets the same id). */
export const STIX_NAMESPACE = '5f2b7c1e-8a4d-5e3f-9b6a-0c1d2e3f4a5b';

/** RFC 4122 UUID v5: SHA-1 of the namespace's bytes and the name's UTF-8, version and variant bits set. */
export function uuidV5(name: string, namespace = STIX_NAMESPACE): string {
  const space = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(space).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A STIX patterning string literal: single quotes, with quote and backslash escaped. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The pattern of an IOC, or undefined for one STIX has no useful pattern for (loopback addresses). */
export function stixPattern(ioc: Ioc): string | undefined {
  if (ioc.scope === 'loopback' || ioc.scope === 'unspecified') return undefined;
  switch (ioc.type) {
    case 'sha256':
      return `[file:hashes.'SHA-256' = ${literal(ioc.value)}]`;
    case 'path': {
      const slash = ioc.value.lastIndexOf('/');
      const directory = slash <= 0 ? '/' : ioc.value.slice(0, slash);
      return `[file:name = ${literal(ioc.value.slice(slash + 1))} AND file:parent_directory_ref.path = ${literal(directory)}]`;
    }
    case 'ipv4':
      return `[ipv4-addr:value = ${literal(ioc.value)}]`;
    case 'ipv6':
      return `[ipv6-addr:value = ${literal(ioc.value)}]`;
    case 'endpoint': {
      const match = /^\[?(.*?)\]?:(\d+)$/.exec(ioc.value);
      if (match === null) return undefined;
      const family = (match[1] ?? '').includes(':') ? 'ipv6-addr' : 'ipv4-addr';
      return `[network-traffic:dst_ref.type = '${family}' AND network-traffic:dst_ref.value = ${literal(match[1] ?? '')} AND network-traffic:dst_port = ${match[2]}]`;
    }
    case 'url':
      return `[url:value = ${literal(ioc.value)}]`;
    case 'domain':
      return `[domain-name:value = ${literal(ioc.value)}]`;
  }
}

const NAMES: Readonly<Record<Ioc['type'], string>> = {
  sha256: 'File hash',
  path: 'File path',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
  endpoint: 'Network endpoint',
  url: 'URL',
  domain: 'Domain name',
};

/**
 * The bundle: an identity for HoldCell, then the indicators in IOC order. Every id is a UUID v5 of content and
 * every timestamp comes from the events (first seen), so the same case gives the same bytes.
 */
export function stixBundle(iocs: readonly Ioc[], caseId: string): Record<string, unknown> {
  const indicators = iocs.flatMap((ioc) => {
    const pattern = stixPattern(ioc);
    return pattern === undefined ? [] : [{ ioc, pattern }];
  });
  const earliest = indicators.map(({ ioc }) => ioc.firstSeen).sort()[0];
  const identityTime = isoMillis(earliest ?? '1970-01-01T00:00:00.000000000Z');
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuidV5(`holdcell:${caseId}`)}`,
    created: identityTime,
    modified: identityTime,
    name: `HoldCell case ${caseId}`,
    identity_class: 'system',
  };
  const objects = indicators.map(({ ioc, pattern }) => {
    const at = isoMillis(ioc.firstSeen);
    const where =
      ioc.evidence === null
        ? ''
        : ` in evidence ${ioc.evidence.itemId} (${ioc.evidence.locator}, sha256 ${ioc.evidence.sha256})`;
    return {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${uuidV5(`${caseId}\u0000${pattern}`)}`,
      created_by_ref: identity.id,
      created: at,
      modified: at,
      name: `${NAMES[ioc.type]} ${ioc.value}`,
      description:
        `Seen ${ioc.count} time(s) from ${ioc.firstSeen} to ${ioc.lastSeen}; first${where}` +
        (ioc.context === '' ? '' : `; context: ${ioc.context}`),
      indicator_types: ['anomalous-activity'],
      pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: at,
    };
  });
  return {
    type: 'bundle',
    id: `bundle--${uuidV5(`${caseId}\u0000${objects.map((object) => object.id).join(',')}`)}`,
    objects: [identity, ...objects],
  };
}
