/**
 * The connect-time address guard of `fetch_url` (CONTRACT §11 "Network"). A URL's host says
 * nothing reliable about where a request goes — a public-looking name may resolve to 10.0.0.1,
 * resolve differently a second later (DNS rebinding), or redirect to 169.254.169.254 — so the
 * check is made on the address actually connected to, on every hop:
 *
 * 1. before a request: a host refused by name (`localhost`, `*.internal`), or an IP literal
 *    (which Node connects to without a lookup) that is refused;
 * 2. in the `lookup` Node calls to resolve a name: every resolved address is checked, and the
 *    request fails if any of them is refused — Node connects only to what this lookup returned;
 * 3. on `connect`: the socket's remote address is checked again, before anything is written.
 *
 * The project's `network.allow` opens exceptions; nothing else does (an agent's `fetch_url:`
 * allow entry lifts URL provenance, never this guard).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { parseIp, refusedAddress, refusedName, unmapped, type IpAddress } from '../core/network-address.js';
import { NetworkAllowList, type Target } from '../core/network-allow.js';

export { targetOf, type Target } from '../core/network-allow.js';

/** Resolves a host name to every address it has. Injectable: tests have no DNS. */
export type Resolver = (hostname: string, options: { family?: number; hints?: number }) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname, { family, hints }) => dnsLookup(hostname, { all: true, verbatim: true, family: family ?? 0, ...(hints !== undefined ? { hints } : {}) });

/** A request the guard refused: `message` says what and why, `allowEntry` the `network.allow` entry that would open it. */
export class NetworkRefusal extends Error {
  override readonly name = 'NetworkRefusal';
  readonly code = 'ELOOMNETGUARD';
  constructor(
    message: string,
    readonly allowEntry: string,
  ) {
    super(message);
  }
}

const entryFor = (ip: IpAddress, port: number): string => (ip.family === 6 ? `[${ip.address}]:${port}` : `${ip.address}:${port}`);

export class NetworkGuard {
  private readonly allow: NetworkAllowList;

  constructor(
    networkAllow: readonly string[],
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.allow = new NetworkAllowList(networkAllow);
  }

  /** Checks made before any request: a host refused by name, or a refused IP literal. Names are checked again once resolved. */
  checkHost(target: Target): NetworkRefusal | undefined {
    const literal = parseIp(target.host);
    if (literal !== undefined) return this.checkAddress(target, literal.address);
    const reason = refusedName(target.host);
    if (reason === undefined || this.allow.opensHost(target)) return undefined;
    return new NetworkRefusal(`${target.host} is ${reason}`, `${target.host}:${target.port}`);
  }

  /** Checks one address a request to `target` would connect to. */
  checkAddress(target: Target, address: string): NetworkRefusal | undefined {
    const ip = parseIp(address);
    if (ip === undefined) return new NetworkRefusal(`"${address}" is not an IP address`, target.host);
    const reason = refusedAddress(ip);
    if (reason === undefined || this.allow.opensAddress(ip, target.port)) return undefined;
    const literal = parseIp(target.host) !== undefined;
    // An entry naming the host opens the addresses it resolves to (`localhost:3000`).
    if (!literal && this.allow.opensHost(target)) return undefined;
    return literal
      ? new NetworkRefusal(`${ip.address} is ${reason}`, entryFor(unmapped(ip), target.port))
      : new NetworkRefusal(`${target.host} resolves to ${ip.address}, ${reason}`, `${target.host}:${target.port}`);
  }

  /**
   * A `lookup` for node:http(s) `request` to `target`: resolves the name and fails with a
   * NetworkRefusal when any address is refused, so no connection is even attempted. Honours
   * `options.all` (Node's happy eyeballs asks for every address).
   */
  lookupFor(target: Target): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname, { family: typeof options.family === 'number' ? options.family : undefined, hints: options.hints }).then(
        (addresses) => {
          if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
          for (const { address } of addresses) {
            const refusal = this.checkAddress(target, address);
            if (refusal !== undefined) return callback(refusal, '', 4);
          }
          if (options.all) return callback(null, addresses);
          callback(null, addresses[0]!.address, addresses[0]!.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, '', 4),
      );
    };
  }

  /**
   * The second line: when `socket` connects, its remote address is checked before anything is
   * written to it (the listener runs ahead of the request's own), and `fail` is called on a
   * refusal. Covers any path that would connect without the lookup above.
   */
  watch(socket: Socket, target: Target, fail: (refusal: NetworkRefusal) => void): void {
    const check = () => {
      // No remote address: the socket never connected (it failed or was destroyed), nothing can be sent.
      if (socket.remoteAddress === undefined) return;
      const refusal = this.checkAddress(target, socket.remoteAddress);
      if (refusal !== undefined) fail(refusal);
    };
    if (socket.connecting) socket.prependOnceListener('connect', check);
    else check();
  }
}
