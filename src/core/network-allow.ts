/**
 * The two kinds of allow entries `fetch_url` honours (CONTRACT §11 "Network"):
 *
 * - the project's `network.allow` (exceptions to the address guard): a host name (`localhost`,
 *   `intranet.example`, `*.corp.example`), an IPv4 address or a bracketed IPv6 address, each with
 *   an optional `:port` (none: every port), or a CIDR range (`10.1.0.0/16`, `[fd00::]/8`);
 * - the agent's `fetch_url` / `fetch_url:<host pattern>` entries (exceptions to URL provenance):
 *   a host, `*.` for any subdomain, an optional `:port`; IP literals match as hosts.
 */
import { BlockList } from 'node:net';
import { normalHost, parseIp, unmapped, type IpAddress } from './network-address.js';

/** Where a request goes: the URL's host (no brackets, as the URL parser spells it) and its port (the default one when none is given). */
export interface Target {
  host: string;
  port: number;
}

export function targetOf(url: URL): Target {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { host, port };
}

export type NetworkAllowEntry =
  | { kind: 'host'; entry: string; name: string; subdomains: boolean; port?: number }
  | { kind: 'address'; entry: string; ip: IpAddress; port?: number }
  | { kind: 'range'; entry: string; range: BlockList };

function parsePort(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  const port = Number(text);
  return /^\d{1,5}$/.test(text) && port >= 1 && port <= 65535 ? port : null;
}

/** A host name as the URL parser would spell it (lower case, IDN as punycode), or undefined when it is not one. */
function hostName(text: string): string | undefined {
  if (!/^[A-Za-z0-9._-]+$/.test(text) && !/[^\x00-\x7f]/.test(text)) return undefined;
  try {
    const { hostname } = new URL(`http://${text}/`);
    return hostname === '' ? undefined : normalHost(hostname);
  } catch {
    return undefined;
  }
}

/** Splits `host:port`, `[v6]:port`, `host/prefix`, `[v6]/prefix`. */
function split(entry: string): { host: string; port?: string; prefix?: string } | undefined {
  const match = /^(\[[^\]]*\]|[^:/[\]]+|[0-9A-Fa-f:.]+(?=\/))(?::([^:/]*)|\/(.*))?$/.exec(entry);
  if (match === null) return parseIp(entry) ? { host: entry } : undefined; // a bare IPv6 address
  return { host: match[1]!, ...(match[2] !== undefined ? { port: match[2] } : {}), ...(match[3] !== undefined ? { prefix: match[3] } : {}) };
}

/** One `network.allow` entry, or the reason it opens nothing (for `config validate` and for tests). */
export function parseNetworkAllowEntry(entry: string): NetworkAllowEntry | { problem: string } {
  const parts = split(entry.trim());
  if (parts === undefined) return { problem: `"${entry}" is not a host name, an IP address or a CIDR range` };
  const ip = parseIp(parts.host);
  if (parts.prefix !== undefined) {
    const bits = /^\d{1,3}$/.test(parts.prefix) ? Number(parts.prefix) : NaN;
    if (ip === undefined || !(bits <= (ip.family === 4 ? 32 : 128))) return { problem: `"${entry}" is not a CIDR range (an address, "/" and a prefix length)` };
    const range = new BlockList();
    range.addSubnet(ip.address, bits, ip.family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'range', entry, range };
  }
  const port = parsePort(parts.port);
  if (port === null) return { problem: `"${entry}" has an invalid port (1 to 65535)` };
  const withPort = port === undefined ? {} : { port };
  if (ip !== undefined) return { kind: 'address', entry, ip: unmapped(ip), ...withPort };
  const subdomains = parts.host.startsWith('*.');
  const name = hostName(subdomains ? parts.host.slice(2) : parts.host);
  if (name === undefined) return { problem: `"${entry}" is not a host name, an IP address or a CIDR range` };
  // `2130706433` or `0x7f.1` is an IPv4 address in disguise: the URL parser says which.
  const disguised = subdomains ? undefined : parseIp(name);
  if (disguised !== undefined) return { kind: 'address', entry, ip: unmapped(disguised), ...withPort };
  return { kind: 'host', entry, name, subdomains, ...withPort };
}

/** The `network.allow` entries, parsed once; an entry that does not parse opens nothing. */
export class NetworkAllowList {
  private readonly entries: NetworkAllowEntry[];

  constructor(allow: readonly string[]) {
    this.entries = allow.map(parseNetworkAllowEntry).filter((entry): entry is NetworkAllowEntry => !('problem' in entry));
  }

  /** Whether an entry names this host (a name, not an address) and port: it opens whatever the name resolves to. */
  opensHost(target: Target): boolean {
    if (parseIp(target.host) !== undefined) return false;
    const host = normalHost(target.host);
    return this.entries.some(
      (e) => e.kind === 'host' && (e.port === undefined || e.port === target.port) && (e.subdomains ? host.endsWith(`.${e.name}`) : host === e.name),
    );
  }

  /** Whether an address or range entry opens this address and port (an IPv4-mapped address counts as its IPv4 address). */
  opensAddress(ip: IpAddress, port: number): boolean {
    const plain = unmapped(ip);
    const type = plain.family === 4 ? 'ipv4' : 'ipv6';
    return this.entries.some(
      (e) =>
        (e.kind === 'address' && e.ip.address === plain.address && (e.port === undefined || e.port === port)) ||
        (e.kind === 'range' && e.range.check(plain.address, type)),
    );
  }
}

/**
 * Whether an agent's `allow` entry lifts URL provenance for this URL: `fetch_url` (every URL) or
 * `fetch_url:<host>` — `docs.python.org`, `*.github.com` (subdomains, not the domain itself),
 * `127.0.0.1:8080`, `[::1]:8080`; no port means every port. Host names compare case-insensitively.
 */
export function fetchAllowEntryMatches(entry: string, url: URL): boolean {
  if (entry === 'fetch_url') return true;
  if (!entry.startsWith('fetch_url:')) return false;
  const parts = split(entry.slice('fetch_url:'.length).trim());
  if (parts === undefined || parts.prefix !== undefined) return false;
  const port = parsePort(parts.port);
  if (port === null) return false;
  const target = targetOf(url);
  if (port !== undefined && port !== target.port) return false;
  const subdomains = parts.host.startsWith('*.');
  const pattern = parseIp(parts.host)?.address ?? hostName(subdomains ? parts.host.slice(2) : parts.host);
  if (pattern === undefined) return false;
  // An IP literal matches as a host; `::ffff:127.0.0.1` is 127.0.0.1, as it is for the address guard.
  const wanted = parseIp(target.host);
  const patternIp = subdomains ? undefined : parseIp(pattern);
  if (wanted !== undefined || patternIp !== undefined) {
    return wanted !== undefined && patternIp !== undefined && unmapped(wanted).address === unmapped(patternIp).address;
  }
  const host = normalHost(target.host);
  return subdomains ? host.endsWith(`.${pattern}`) : host === pattern;
}
