/**
 * The address guard of fetch_url (CONTRACT §11 "Network"), unit by unit: which addresses and names
 * are refused, in every spelling (network-allow.test.ts: what `network.allow` entries open); the
 * `lookup` Node calls (with an injected resolver: there is no DNS here) and the connect-time
 * check, both over real sockets on 127.0.0.1 only.
 */
import { request, createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type LookupFunction } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIp, refusedAddress, refusedName } from '../../src/core/network-address.js';
import { NetworkGuard, NetworkRefusal, targetOf, type Resolver } from '../../src/tools/network-guard.js';

const refused = (address: string) => refusedAddress(parseIp(address)!);
const hostCheck = (guard: NetworkGuard, url: string) => guard.checkHost(targetOf(new URL(url)))?.message;

describe('refused addresses', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['10.0.0.1', 'a private address (RFC 1918)'],
    ['10.255.255.255', 'a private address (RFC 1918)'],
    ['172.16.0.1', 'a private address (RFC 1918)'],
    ['172.31.255.255', 'a private address (RFC 1918)'],
    ['192.168.1.1', 'a private address (RFC 1918)'],
    ['169.254.169.254', 'a link-local address (where cloud metadata services answer)'],
    ['169.254.0.1', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['febf:ffff::1', 'a link-local address'],
    ['fc00::1', 'a unique-local address'],
    ['fd00:ec2::254', 'a unique-local address'],
    ['100.64.0.1', 'a shared address (CGNAT, 100.64.0.0/10)'],
    ['100.127.255.255', 'a shared address (CGNAT, 100.64.0.0/10)'],
    ['0.0.0.0', 'the unspecified address'],
    ['::', 'the unspecified address'],
    ['0.1.2.3', 'a "this network" address (0.0.0.0/8)'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'the broadcast address'],
    ['240.0.0.1', 'a reserved address (240.0.0.0/4)'],
    ['192.0.0.8', 'a special-purpose address (IETF protocol assignments)'],
    ['192.0.2.1', 'a documentation address (TEST-NET-1)'],
    ['198.51.100.7', 'a documentation address (TEST-NET-2)'],
    ['203.0.113.5', 'a documentation address (TEST-NET-3)'],
    ['198.18.0.1', 'a benchmarking address'],
    ['198.19.255.255', 'a benchmarking address'],
    ['192.88.99.1', 'a reserved address (the former 6to4 relay anycast)'],
    ['2001:db8::1', 'a documentation address'],
    ['3fff::1', 'a documentation address'],
    ['fec0::1', 'a site-local address (deprecated, internal)'],
    ['100::1', 'a discard-only address'],
    ['2001::1', 'a special-purpose address (IETF protocol assignments: Teredo, benchmarking, ORCHID…)'],
    ['2001:2::1', 'a special-purpose address (IETF protocol assignments: Teredo, benchmarking, ORCHID…)'],
    ['64:ff9b:1::1', 'a local-use NAT64 address'],
    ['5f00::1', 'not a global unicast address (outside 2000::/3)'],
    ['::7f00:1', 'not a global unicast address (outside 2000::/3)'],
  ])('%s is %s', (address, reason) => {
    expect(refused(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'an IPv4-mapped form of 127.0.0.1, a loopback address'],
    ['::ffff:7f00:1', 'an IPv4-mapped form of 127.0.0.1, a loopback address'],
    ['0:0:0:0:0:ffff:7f00:0001', 'an IPv4-mapped form of 127.0.0.1, a loopback address'],
    ['::FFFF:10.0.0.1', 'an IPv4-mapped form of 10.0.0.1, a private address (RFC 1918)'],
    ['::ffff:a9fe:a9fe', 'an IPv4-mapped form of 169.254.169.254, a link-local address (where cloud metadata services answer)'],
    ['::ffff:0:127.0.0.1', 'an IPv4-mapped form of 127.0.0.1, a loopback address'],
    ['64:ff9b::10.0.0.1', 'a NAT64 form of 10.0.0.1, a private address (RFC 1918)'],
    ['64:ff9b::7f00:1', 'a NAT64 form of 127.0.0.1, a loopback address'],
    ['2002:7f00:1::1', 'a 6to4 form of 127.0.0.1, a loopback address'],
    ['2002:a9fe:a9fe::', 'a 6to4 form of 169.254.169.254, a link-local address (where cloud metadata services answer)'],
  ])('the embedded form %s is %s', (address, reason) => {
    expect(refused(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8', '1.1.1.1', '93.184.216.34', '9.255.255.255', '11.0.0.0', '126.255.255.255', '128.0.0.0', '100.63.255.255', '100.128.0.0',
    '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '223.255.255.255',
    '2606:4700::1111', '2001:4860:4860::8888', '2001:200::1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(refused(address)).toBeUndefined();
  });

  it('every spelling of a loopback URL host is the same address to the guard', () => {
    const guard = new NetworkGuard([]);
    for (const url of ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[0:0:0:0:0:ffff:127.0.0.1]/']) {
      expect(hostCheck(guard, url)).toBe('::ffff:7f00:1 is an IPv4-mapped form of 127.0.0.1, a loopback address');
    }
    // WHATWG URL turns these into 127.0.0.1 before anyone sees them.
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0177.0.0.1/', 'http://127.0.0.1./']) {
      expect(hostCheck(guard, url)).toBe('127.0.0.1 is a loopback address');
    }
    expect(hostCheck(guard, 'http://[::1]:8080/')).toBe('::1 is a loopback address');
    expect(hostCheck(guard, 'http://0/')).toBe('0.0.0.0 is the unspecified address');
    expect(hostCheck(guard, 'http://[::]/')).toBe(':: is the unspecified address');
    expect(hostCheck(guard, 'http://8.8.8.8/')).toBeUndefined();
  });

  it('parses addresses with zones and brackets, and nothing else', () => {
    expect(parseIp('[fe80::1%eth0]')).toEqual({ address: 'fe80::1', family: 6 });
    expect(parseIp('::FFFF:127.0.0.1')).toEqual({ address: '::ffff:7f00:1', family: 6 });
    expect(parseIp('127.0.0.1')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(parseIp('localhost')).toBeUndefined();
    expect(parseIp('127.1')).toBeUndefined(); // only the URL parser reads that form, and it has already
  });
});

describe('names refused whatever they resolve to', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', 'app.localhost', 'a.b.localhost', 'metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', 'db.internal'])('%s', (name) => {
    expect(refusedName(name)).toBeDefined();
    expect(hostCheck(new NetworkGuard([]), `http://${name}/`)).toMatch(/^\S+ is an? (local|internal) host name/);
  });

  it.each(['localhost.example.com', 'notlocalhost', 'internal.example.com', 'example.com', 'internalx'])('not %s', (name) => {
    expect(refusedName(name)).toBeUndefined();
    expect(hostCheck(new NetworkGuard([]), `http://${name}/`)).toBeUndefined();
  });
});
/** Calls a guard's lookup the way Node does and gives back what it answered. */
function lookUp(lookup: LookupFunction, hostname: string, all: boolean): Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) => lookup(hostname, { all, hints: 32 }, (error, address, family) => resolve({ error, address, family })));
}

const resolving =
  (addresses: string[], asked: { name: string; options: unknown }[] = []): Resolver =>
  async (name, options) => {
    asked.push({ name, options });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('the lookup: every resolved address is checked before Node connects', () => {
  const target = { host: 'public.example', port: 443 };

  it.each([
    [['10.0.0.1'], 'public.example resolves to 10.0.0.1, a private address (RFC 1918)'],
    [['169.254.169.254'], 'public.example resolves to 169.254.169.254, a link-local address (where cloud metadata services answer)'],
    [['::ffff:127.0.0.1'], 'public.example resolves to ::ffff:7f00:1, an IPv4-mapped form of 127.0.0.1, a loopback address'],
    [['93.184.216.34', 'fd12::1'], 'public.example resolves to fd12::1, a unique-local address'],
  ])('a public-looking name resolving to %j is refused', async (addresses, message) => {
    for (const all of [true, false]) {
      const { error } = await lookUp(new NetworkGuard([], resolving(addresses)).lookupFor(target), 'public.example', all);
      expect(error).toBeInstanceOf(NetworkRefusal);
      expect(error?.message).toBe(message);
      expect((error as NetworkRefusal).allowEntry).toBe('public.example:443');
    }
  });

  it('a name resolving to public addresses is answered as Node asked: every address, or the first', async () => {
    const asked: { name: string; options: unknown }[] = [];
    const guard = new NetworkGuard([], resolving(['2606:2800:220:1::1', '93.184.216.34'], asked));
    expect(await lookUp(guard.lookupFor(target), 'public.example', true)).toEqual({
      error: null,
      address: [
        { address: '2606:2800:220:1::1', family: 6 },
        { address: '93.184.216.34', family: 4 },
      ],
      family: undefined,
    });
    expect(await lookUp(guard.lookupFor(target), 'public.example', false)).toEqual({ error: null, address: '2606:2800:220:1::1', family: 6 });
    expect(asked).toEqual([
      { name: 'public.example', options: { family: undefined, hints: 32 } },
      { name: 'public.example', options: { family: undefined, hints: 32 } },
    ]);
  });

  it('an allow entry opens a resolved address; a failed resolution is passed on as it is', async () => {
    expect((await lookUp(new NetworkGuard(['10.0.0.0/8'], resolving(['10.0.0.1'])).lookupFor(target), 'public.example', true)).error).toBeNull();
    expect((await lookUp(new NetworkGuard([], resolving([])).lookupFor(target), 'public.example', true)).error?.message).toBe('public.example has no address');
    const failing: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND public.example'), { code: 'ENOTFOUND' });
    };
    const { error } = await lookUp(new NetworkGuard([], failing).lookupFor(target), 'public.example', true);
    expect(error).toMatchObject({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND public.example' });
  });
});

describe('over real sockets on 127.0.0.1', () => {
  let server: Server | undefined;
  let connections = 0;
  let received = '';
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
    connections = 0;
    received = '';
  });

  async function listen(): Promise<number> {
    server = createServer((_req, res) => res.end('reached'));
    server.on('connection', (socket) => {
      connections++;
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server!.address() as AddressInfo).port;
  }

  function get(guard: NetworkGuard, hostname: string, port: number): Promise<string> {
    const target = { host: hostname, port };
    return new Promise((resolve) => {
      const req = request({ hostname, port, path: '/', agent: false, lookup: guard.lookupFor(target) });
      req.on('socket', (socket) => guard.watch(socket, target, (refusal) => req.destroy(refusal)));
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      });
      req.on('error', (error) => resolve(`${error.name}: ${error.message}`));
      req.end();
    });
  }

  it('node:http connects through the lookup: refused without an entry (no connection), reached with one', async () => {
    const port = await listen();
    expect(await get(new NetworkGuard([], resolving(['127.0.0.1'])), 'app.example', port)).toBe('NetworkRefusal: app.example resolves to 127.0.0.1, a loopback address');
    expect(connections).toBe(0);
    expect(await get(new NetworkGuard([`127.0.0.1:${port}`], resolving(['127.0.0.1'])), 'app.example', port)).toBe('reached');
    expect(connections).toBe(1);
  });

  it('the connect-time check destroys a socket to a refused address before anything is written to it', async () => {
    const port = await listen();
    const guard = new NetworkGuard([]);
    const socket = connect({ host: '127.0.0.1', port });
    guard.watch(socket, { host: 'public.example', port }, (refusal) => socket.destroy(refusal));
    socket.write('GET /secret HTTP/1.1\r\nHost: x\r\n\r\n'); // queued until connected
    const error = await new Promise<Error | undefined>((resolve) => socket.on('error', resolve).on('close', () => resolve(undefined)));
    expect(error).toBeInstanceOf(NetworkRefusal);
    expect(error?.message).toBe('public.example resolves to 127.0.0.1, a loopback address');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toBe('');

    // The same socket with the address opened writes as usual: the check above is what stopped it.
    const open = connect({ host: '127.0.0.1', port });
    new NetworkGuard([`127.0.0.1:${port}`]).watch(open, { host: 'public.example', port }, (refusal) => open.destroy(refusal));
    open.write('GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => open.on('close', resolve).resume());
    expect(received).toContain('GET /fine');
  });
});
