/**
 * Which addresses and host names `fetch_url` may not reach (CONTRACT §11 "Network"): loopback,
 * private, link-local, unique-local, CGNAT, unspecified, multicast and the reserved and
 * special-purpose ranges, in IPv4 and IPv6, and the IPv6 forms that carry one of those IPv4
 * addresses inside them (IPv4-mapped in any spelling, NAT64, 6to4). A prompt-injected model must
 * not be able to make Loom reach the user's own machine, network or cloud metadata service.
 *
 * Addresses are compared in one canonical spelling: IPv4 dotted-decimal, IPv6 as the WHATWG URL
 * parser serializes it (lower case, hex groups, `::` compressed, no zone).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface IpAddress {
  /** Canonical spelling, without brackets. */
  address: string;
  family: 4 | 6;
}

/** An address in any spelling Node or a user may give (`[::1]`, `fe80::1%eth0`, `::ffff:127.0.0.1`), or undefined. */
export function parseIp(text: string): IpAddress | undefined {
  let bare = text.trim();
  if (bare.startsWith('[') && bare.endsWith(']')) bare = bare.slice(1, -1);
  const zone = bare.indexOf('%');
  if (zone >= 0) bare = bare.slice(0, zone); // a zone index names an interface, not another address
  if (isIPv4(bare)) return { address: bare, family: 4 };
  if (!isIPv6(bare)) return undefined;
  // WHATWG's serializer is the canonical form: `::FFFF:127.0.0.1` and `0:0:0:0:0:ffff:7f00:1` become `::ffff:7f00:1`.
  return { address: new URL(`http://[${bare}]/`).hostname.slice(1, -1), family: 6 };
}

/** The eight 16-bit groups of a canonical IPv6 address (never holds a dotted quad). */
function groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const first = head === '' ? [] : head.split(':');
  const last = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - first.length - last.length).fill('0');
  return [...first, ...zeros, ...last].map((group) => parseInt(group, 16));
}

const ipv4From = (high: number, low: number): string => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 address stands for, when a connection to it reaches that IPv4 address
 * itself: IPv4-mapped `::ffff:a.b.c.d` and IPv4-translated `::ffff:0:a.b.c.d`. Compared as the
 * IPv4 address everywhere (refusals and allow entries alike).
 */
export function unmapped(ip: IpAddress): IpAddress {
  if (ip.family === 4) return ip;
  const g = groups(ip.address);
  const zeroUpTo = (n: number) => g.slice(0, n).every((group) => group === 0);
  if ((zeroUpTo(5) && g[5] === 0xffff) || (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0)) {
    return { address: ipv4From(g[6]!, g[7]!), family: 4 };
  }
  return ip;
}

/**
 * IPv6 ranges that carry an IPv4 address and lead to it through a translator or a tunnel, so the
 * IPv4 address decides: NAT64 (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056).
 */
function embedded(ip: IpAddress): { ipv4: string; form: string } | undefined {
  if (ip.family === 4) return undefined;
  const g = groups(ip.address);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0)) return { ipv4: ipv4From(g[6]!, g[7]!), form: 'a NAT64 form' };
  if (g[0] === 0x2002) return { ipv4: ipv4From(g[1]!, g[2]!), form: 'a 6to4 form' };
  return undefined;
}

const METADATA = 'a link-local address (where cloud metadata services answer)';

/** Most specific first: the first range that holds an address names why it is refused. */
const IPV4_RANGES: readonly (readonly [string, string])[] = [
  ['169.254.169.254/32', METADATA],
  ['0.0.0.0/32', 'the unspecified address'],
  ['0.0.0.0/8', 'a "this network" address (0.0.0.0/8)'],
  ['127.0.0.0/8', 'a loopback address'],
  ['10.0.0.0/8', 'a private address (RFC 1918)'],
  ['172.16.0.0/12', 'a private address (RFC 1918)'],
  ['192.168.0.0/16', 'a private address (RFC 1918)'],
  ['100.64.0.0/10', 'a shared address (CGNAT, 100.64.0.0/10)'],
  ['169.254.0.0/16', 'a link-local address'],
  ['192.0.0.0/24', 'a special-purpose address (IETF protocol assignments)'],
  ['192.0.2.0/24', 'a documentation address (TEST-NET-1)'],
  ['198.51.100.0/24', 'a documentation address (TEST-NET-2)'],
  ['203.0.113.0/24', 'a documentation address (TEST-NET-3)'],
  ['192.88.99.0/24', 'a reserved address (the former 6to4 relay anycast)'],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['255.255.255.255/32', 'the broadcast address'],
  ['240.0.0.0/4', 'a reserved address (240.0.0.0/4)'],
];

const IPV6_RANGES: readonly (readonly [string, string])[] = [
  ['::/128', 'the unspecified address'],
  ['::1/128', 'a loopback address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address (deprecated, internal)'],
  ['fc00::/7', 'a unique-local address'],
  ['ff00::/8', 'a multicast address'],
  ['100::/64', 'a discard-only address'],
  ['64:ff9b:1::/48', 'a local-use NAT64 address'],
  ['2001:db8::/32', 'a documentation address'],
  ['3fff::/20', 'a documentation address'],
  ['2001::/23', 'a special-purpose address (IETF protocol assignments: Teredo, benchmarking, ORCHID…)'],
];

function ranges(table: readonly (readonly [string, string])[], type: 'ipv4' | 'ipv6'): { list: BlockList; reason: string }[] {
  return table.map(([cidr, reason]) => {
    const [network = '', prefix = ''] = cidr.split('/');
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), type);
    return { list, reason };
  });
}

const REFUSED_V4 = ranges(IPV4_RANGES, 'ipv4');
const REFUSED_V6 = ranges(IPV6_RANGES, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

function refusedIpv4(address: string): string | undefined {
  return REFUSED_V4.find(({ list }) => list.check(address, 'ipv4'))?.reason;
}

/**
 * Why a connection to this address is refused (`a loopback address`, `an IPv4-mapped form of
 * 127.0.0.1, a loopback address`), or undefined when it is a public address.
 */
export function refusedAddress(ip: IpAddress): string | undefined {
  if (ip.family === 4) return refusedIpv4(ip.address);
  const plain = unmapped(ip);
  if (plain.family === 4) {
    const reason = refusedIpv4(plain.address);
    return reason && `an IPv4-mapped form of ${plain.address}, ${reason}`;
  }
  const inner = embedded(ip);
  if (inner !== undefined) {
    const reason = refusedIpv4(inner.ipv4);
    return reason && `${inner.form} of ${inner.ipv4}, ${reason}`;
  }
  const listed = REFUSED_V6.find(({ list }) => list.check(ip.address, 'ipv6'))?.reason;
  if (listed !== undefined) return listed;
  // Outside 2000::/3 nothing is routed on the internet (IPv4-compatible ::a.b.c.d, 5f00::/16, …).
  return GLOBAL_UNICAST.check(ip.address, 'ipv6') ? undefined : 'not a global unicast address (outside 2000::/3)';
}

/** A host name as compared: lower case (the URL parser already did that), without a trailing dot. */
export const normalHost = (host: string): string => host.toLowerCase().replace(/\.$/, '');

/** Why a host name is refused whatever it resolves to (CONTRACT §11), or undefined. */
export function refusedName(host: string): string | undefined {
  const name = normalHost(host);
  if (name === 'localhost' || name.endsWith('.localhost')) return 'a local host name (localhost)';
  if (name === 'internal' || name.endsWith('.internal')) return 'an internal host name (*.internal, where metadata.google.internal lives)';
  return undefined;
}
