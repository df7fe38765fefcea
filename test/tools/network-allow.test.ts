/**
 * `network.allow` entries (CONTRACT §11 "Network"): how they parse and what each opens to fetch_url's
 * address guard; and the `fetch_url:<host>` entries of an agent's `allow` that give a URL provenance.
 */
import { describe, expect, it } from 'vitest';
import { fetchAllowEntryMatches, parseNetworkAllowEntry } from '../../src/core/network-allow.js';
import { NetworkGuard, targetOf } from '../../src/tools/network-guard.js';

const hostCheck = (guard: NetworkGuard, url: string) => guard.checkHost(targetOf(new URL(url)))?.message;

describe('network.allow entries', () => {
  it('parse into hosts, addresses and ranges', () => {
    expect(parseNetworkAllowEntry('localhost:3000')).toMatchObject({ kind: 'host', name: 'localhost', subdomains: false, port: 3000 });
    expect(parseNetworkAllowEntry('Intranet.Example.')).toMatchObject({ kind: 'host', name: 'intranet.example', subdomains: false });
    expect(parseNetworkAllowEntry('Intranet.Example.')).not.toHaveProperty('port');
    expect(parseNetworkAllowEntry('*.corp.example:443')).toMatchObject({ kind: 'host', name: 'corp.example', subdomains: true, port: 443 });
    expect(parseNetworkAllowEntry('127.0.0.1:8080')).toMatchObject({ kind: 'address', ip: { address: '127.0.0.1', family: 4 }, port: 8080 });
    expect(parseNetworkAllowEntry('[::1]:8080')).toMatchObject({ kind: 'address', ip: { address: '::1', family: 6 }, port: 8080 });
    expect(parseNetworkAllowEntry('[::ffff:127.0.0.1]')).toMatchObject({ kind: 'address', ip: { address: '127.0.0.1', family: 4 } });
    expect(parseNetworkAllowEntry('::1')).toMatchObject({ kind: 'address', ip: { address: '::1', family: 6 } });
    expect(parseNetworkAllowEntry('2130706433:80')).toMatchObject({ kind: 'address', ip: { address: '127.0.0.1', family: 4 }, port: 80 });
    expect(parseNetworkAllowEntry('10.1.0.0/16')).toMatchObject({ kind: 'range' });
    expect(parseNetworkAllowEntry('[fd00::]/8')).toMatchObject({ kind: 'range' });
    expect(parseNetworkAllowEntry('fd00::/8')).toMatchObject({ kind: 'range' });
  });

  it.each(['10.0.0.0/33', '[::1]/129', 'intranet/8', 'host:0', 'host:70000', 'host:http', 'a/b', '[zz]:80', 'two words', '', 'http://x', 'user@host'])('"%s" opens nothing', (entry) => {
    expect(parseNetworkAllowEntry(entry)).toHaveProperty('problem');
    expect(hostCheck(new NetworkGuard([entry]), 'http://localhost/')).toBeDefined();
  });

  it('"localhost:3000" opens port 3000 of whatever localhost resolves to, and nothing else', () => {
    const guard = new NetworkGuard(['localhost:3000']);
    const at = (port: number) => ({ host: 'localhost', port });
    expect(guard.checkHost(at(3000))).toBeUndefined();
    expect(guard.checkAddress(at(3000), '127.0.0.1')).toBeUndefined();
    expect(guard.checkAddress(at(3000), '::1')).toBeUndefined();
    expect(guard.checkHost(at(3001))?.message).toBe('localhost is a local host name (localhost)');
    expect(guard.checkAddress(at(3001), '127.0.0.1')?.message).toBe('localhost resolves to 127.0.0.1, a loopback address');
    // It names the host, not the address: the same port by IP, or another name, stays closed.
    expect(hostCheck(guard, 'http://127.0.0.1:3000/')).toBe('127.0.0.1 is a loopback address');
    expect(guard.checkAddress({ host: 'evil.example', port: 3000 }, '127.0.0.1')?.message).toBe('evil.example resolves to 127.0.0.1, a loopback address');
  });

  it('"127.0.0.1:8080" opens that address and port, under any name and in its mapped spelling; "localhost" stays refused by name', () => {
    const guard = new NetworkGuard(['127.0.0.1:8080']);
    expect(hostCheck(guard, 'http://127.0.0.1:8080/')).toBeUndefined();
    expect(hostCheck(guard, 'http://[::ffff:127.0.0.1]:8080/')).toBeUndefined();
    expect(guard.checkAddress({ host: 'dev.example', port: 8080 }, '127.0.0.1')).toBeUndefined();
    expect(hostCheck(guard, 'http://127.0.0.1:8081/')).toBe('127.0.0.1 is a loopback address');
    expect(hostCheck(guard, 'http://127.0.0.2:8080/')).toBe('127.0.0.2 is a loopback address');
    expect(hostCheck(guard, 'http://localhost:8080/')).toBe('localhost is a local host name (localhost)');
    expect(guard.checkHost({ host: 'localhost', port: 8080 })?.allowEntry).toBe('localhost:8080');
  });

  it('"[::1]:8080" opens that IPv6 address and port', () => {
    const guard = new NetworkGuard(['[::1]:8080']);
    expect(hostCheck(guard, 'http://[::1]:8080/')).toBeUndefined();
    expect(hostCheck(guard, 'http://[0:0:0:0:0:0:0:1]:8080/')).toBeUndefined();
    expect(hostCheck(guard, 'http://[::1]/')).toBe('::1 is a loopback address');
    expect(new NetworkGuard([]).checkHost({ host: '::1', port: 80 })?.allowEntry).toBe('[::1]:80');
  });

  it('"10.1.0.0/16" opens that range on every port, by address or by name; not a neighbour', () => {
    const guard = new NetworkGuard(['10.1.0.0/16', '[fd00:1::]/32']);
    expect(hostCheck(guard, 'http://10.1.2.3:9999/')).toBeUndefined();
    expect(hostCheck(guard, 'http://[::ffff:10.1.2.3]/')).toBeUndefined();
    expect(guard.checkAddress({ host: 'wiki.corp', port: 443 }, '10.1.200.7')).toBeUndefined();
    expect(hostCheck(guard, 'http://10.2.0.1/')).toBe('10.2.0.1 is a private address (RFC 1918)');
    expect(hostCheck(guard, 'http://[fd00:1:2::3]/')).toBeUndefined();
    expect(hostCheck(guard, 'http://[fd00:2::3]/')).toBe('fd00:2::3 is a unique-local address');
  });

  it('a host name entry opens what it resolves to; "*.corp.example" its subdomains, not itself', () => {
    const guard = new NetworkGuard(['intranet.example', '*.corp.example:443']);
    expect(guard.checkAddress({ host: 'intranet.example', port: 8443 }, '10.0.0.5')).toBeUndefined();
    expect(guard.checkAddress({ host: 'INTRANET.EXAMPLE.', port: 80 }, '10.0.0.5')).toBeUndefined();
    expect(guard.checkAddress({ host: 'other.example', port: 80 }, '10.0.0.5')?.message).toBe('other.example resolves to 10.0.0.5, a private address (RFC 1918)');
    expect(guard.checkAddress({ host: 'wiki.corp.example', port: 443 }, '10.9.9.9')).toBeUndefined();
    expect(guard.checkAddress({ host: 'a.b.corp.example', port: 443 }, '10.9.9.9')).toBeUndefined();
    expect(guard.checkAddress({ host: 'wiki.corp.example', port: 80 }, '10.9.9.9')).toBeDefined();
    expect(guard.checkAddress({ host: 'corp.example', port: 443 }, '10.9.9.9')).toBeDefined();
    expect(guard.checkAddress({ host: 'evilcorp.example', port: 443 }, '10.9.9.9')).toBeDefined();
  });
});

describe('fetch_url allow entries (URL provenance)', () => {
  const matches = (entry: string, url: string) => fetchAllowEntryMatches(entry, new URL(url));

  it('"fetch_url" allows every URL; other tools\' entries none', () => {
    expect(matches('fetch_url', 'https://anything.example/x')).toBe(true);
    expect(matches('write_file', 'https://anything.example/x')).toBe(false);
    expect(matches('fetch_url:', 'https://anything.example/x')).toBe(false);
    expect(matches('fetch_urlx', 'https://anything.example/x')).toBe(false);
  });

  it('a host, case-insensitively, on every port unless one is given (the default port counts)', () => {
    expect(matches('fetch_url:docs.python.org', 'https://docs.python.org/3/')).toBe(true);
    expect(matches('fetch_url:Docs.Python.Org', 'http://DOCS.python.org:8080/x')).toBe(true);
    expect(matches('fetch_url:docs.python.org', 'https://docs.python.org./3/')).toBe(true);
    expect(matches('fetch_url:docs.python.org', 'https://evil-docs.python.org/')).toBe(false);
    expect(matches('fetch_url:docs.python.org', 'https://docs.python.org.evil.example/')).toBe(false);
    expect(matches('fetch_url:example.com:443', 'https://example.com/')).toBe(true);
    expect(matches('fetch_url:example.com:443', 'http://example.com/')).toBe(false);
  });

  it('"*." for any subdomain, not the domain itself', () => {
    expect(matches('fetch_url:*.github.com', 'https://api.github.com/repos')).toBe(true);
    expect(matches('fetch_url:*.github.com', 'https://a.b.github.com/')).toBe(true);
    expect(matches('fetch_url:*.github.com', 'https://github.com/')).toBe(false);
    expect(matches('fetch_url:*.github.com', 'https://evilgithub.com/')).toBe(false);
  });

  it('IP literals match as hosts, in any spelling of the same address', () => {
    expect(matches('fetch_url:127.0.0.1:8080', 'http://127.0.0.1:8080/x')).toBe(true);
    expect(matches('fetch_url:127.0.0.1:8080', 'http://2130706433:8080/x')).toBe(true);
    expect(matches('fetch_url:127.0.0.1:8080', 'http://[::ffff:127.0.0.1]:8080/x')).toBe(true);
    expect(matches('fetch_url:127.0.0.1:8080', 'http://127.0.0.1:8081/x')).toBe(false);
    expect(matches('fetch_url:127.0.0.1:8080', 'http://127.0.0.1/x')).toBe(false);
    expect(matches('fetch_url:127.0.0.1', 'http://localhost/x')).toBe(false);
    expect(matches('fetch_url:[::1]:8080', 'http://[::1]:8080/')).toBe(true);
    expect(matches('fetch_url:[::1]:8080', 'http://[::2]:8080/')).toBe(false);
  });
});
