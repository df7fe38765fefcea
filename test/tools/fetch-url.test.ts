/**
 * fetch_url against real HTTP servers on loopback (CONTRACT §10 Tools, §11 Network, §19). Loopback
 * is refused by default, so every server a test fetches is opened with `networkAllow` and every
 * URL it starts from is given provenance with `context`, as the CLI does from the run's input.
 * Only loopback traffic: a hop to 169.254.169.254 or 10.0.0.1 is refused before any connection.
 * Here: fetching, and the address guard; fetch-url-request.test.ts: the request itself, URL
 * provenance, names resolved at connect time.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/tools/limits.js';
import { call, makeSandbox, tools } from './helpers.js';
import { fetcher, head, internal, serve, wrapped } from './fetch-url-helpers.js';

describe('fetch_url', () => {
  it('GETs an allowed loopback URL seen in the run and returns status, content type and the body wrapped as untrusted', async () => {
    const site = await serve((req, res) => {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`hello from ${req.url}`);
    });
    const url = `${site.base}/page?q=1`;
    const result = await call(await fetcher([site], [`see ${url}`]), 'fetch_url', { url });
    expect(result).toEqual({ ok: true, output: `${head('200 OK', url, 'text/plain; charset=utf-8')}\n\n${wrapped(url, 'hello from /page?q=1')}` });
    expect(site.requests.map((r) => [r.method, r.url])).toEqual([['GET', '/page?q=1']]);
  });

  it('follows redirects, decompresses, and reports an error status as a failed result', async () => {
    const site = await serve((req, res) => {
      if (req.url === '/old') return res.writeHead(302, { location: '/new' }).end();
      if (req.url === '/new') return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"a":1}'));
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    });
    // Only the first URL needs provenance; the redirect target does not.
    const set = await fetcher([site], [`${site.base}/old`, `${site.base}/missing`]);
    expect(await call(set, 'fetch_url', { url: `${site.base}/old` })).toEqual({ ok: true, output: `${head('200 OK', `${site.base}/new`, 'application/json')}\n\n${wrapped(`${site.base}/new`, '{"a":1}')}` });
    expect(await call(set, 'fetch_url', { url: `${site.base}/missing` })).toEqual({
      ok: false,
      output: `${head('404 Not Found', `${site.base}/missing`, 'text/plain')}\n\n${wrapped(`${site.base}/missing`, 'no such page')}`,
    });
  });

  it('refuses schemes other than http and https, also as a redirect target, without a request', async () => {
    const site = await serve((_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end());
    const set = await fetcher([site], [site.base]);
    expect(await call(set, 'fetch_url', { url: 'file:///etc/passwd' })).toEqual({ ok: false, output: 'refused: fetch_url only fetches http: and https: URLs, not file:' });
    expect(await call(set, 'fetch_url', { url: 'ftp://example.com/x' })).toEqual({ ok: false, output: 'refused: fetch_url only fetches http: and https: URLs, not ftp:' });
    expect(await call(set, 'fetch_url', { url: 'not a url' })).toEqual({ ok: false, output: '"not a url" is not a valid URL' });
    expect(await call(set, 'fetch_url', { url: site.base })).toEqual({
      ok: false,
      output: `refused: fetch_url only fetches http: and https: URLs, not file: (redirect 1, from ${site.base}/ to file:///etc/passwd)`,
    });
    expect(site.requests).toHaveLength(1);
  });

  it('stops following a redirect loop', async () => {
    const site = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    expect(await call(await fetcher([site], [site.base]), 'fetch_url', { url: site.base })).toEqual({ ok: false, output: `too many redirects (more than ${LIMITS.fetchRedirects}), last to /again` });
    expect(site.requests).toHaveLength(LIMITS.fetchRedirects + 1);
  });

  it('cuts a large body and stops downloading it', async () => {
    let sent = 0;
    const site = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (sent < 50 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const result = await call(await fetcher([site], [site.base]), 'fetch_url', { url: site.base });
    expect(result.ok).toBe(true);
    expect(result.output.endsWith(`\n</untrusted_content>\n[fetch_url: the body is longer than ${LIMITS.fetchBytes / 1024} KB; only the beginning is shown]`)).toBe(true);
    expect(result.output).toContain(`<untrusted_content source="${site.base}/">\n${'x'.repeat(LIMITS.fetchBytes)}\n</untrusted_content>`);
    expect(result.output.length).toBeLessThan(LIMITS.fetchBytes + 400);
    expect(sent).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses a binary body', async () => {
    const site = await serve((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0, 1, 2])));
    const url = `${site.base}/a.png`;
    expect(await call(await fetcher([site], [url]), 'fetch_url', { url })).toEqual({
      ok: false,
      output: `${head('200 OK', url, 'image/png')}\n\n[fetch_url: the body is binary; only text is returned]`,
    });
  });

  it('times out on a server that does not answer, and reports a refused connection', async () => {
    const site = await serve(() => undefined);
    const set = await fetcher([site], [`${site.base}/slow`, `${site.base}/`], { fetchTimeoutMs: 300 });
    expect(await call(set, 'fetch_url', { url: `${site.base}/slow` })).toEqual({ ok: false, output: `fetching ${site.base}/slow timed out after 0.3 s` });
    site.server.closeAllConnections();
    await new Promise((resolve) => site.server.close(resolve));
    const refused = await call(set, 'fetch_url', { url: `${site.base}/` });
    expect(refused).toEqual({ ok: false, output: `fetching ${site.base}/ failed: connect ECONNREFUSED 127.0.0.1:${site.port}` });
  });

  it('an abort ends the request', async () => {
    const site = await serve(() => undefined);
    const controller = new AbortController();
    const pending = call(await fetcher([site], [site.base]), 'fetch_url', { url: site.base }, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toEqual({ ok: false, output: 'the tool call was aborted' });
  });
});

describe('fetch_url: the address guard', () => {
  it('refuses loopback by default, even for a URL the run has seen, without connecting', async () => {
    const site = await serve((_req, res) => res.end('secret intranet page'));
    const set = await fetcher([], [site.base, `http://localhost:${site.port}/`]);
    expect(await call(set, 'fetch_url', { url: site.base })).toEqual({ ok: false, output: internal('127.0.0.1 is a loopback address', `127.0.0.1:${site.port}`) });
    expect(await call(set, 'fetch_url', { url: `http://localhost:${site.port}/` })).toEqual({
      ok: false,
      output: internal('localhost is a local host name (localhost)', `localhost:${site.port}`),
    });
    expect(site.connections).toBe(0);
  });

  it('network.allow "127.0.0.1:<port>" opens that address and port only; "localhost:<port>" opens what localhost resolves to', async () => {
    const site = await serve((_req, res) => res.end('dev server'));
    const other = await serve((_req, res) => res.end('another service'));
    const set = await fetcher([site], [site.base, other.base]);
    expect((await call(set, 'fetch_url', { url: site.base })).output).toContain('\ndev server\n');
    expect(await call(set, 'fetch_url', { url: other.base })).toEqual({ ok: false, output: internal('127.0.0.1 is a loopback address', `127.0.0.1:${other.port}`) });
    expect(other.connections).toBe(0);

    const { workspace } = await makeSandbox();
    const byName = await tools(workspace, { networkAllow: [`localhost:${site.port}`], context: [`http://localhost:${site.port}/x`, `${site.base}/x`] });
    expect((await call(byName, 'fetch_url', { url: `http://localhost:${site.port}/x` })).output).toContain('\ndev server\n');
    // The entry names the host, not the address: 127.0.0.1 itself stays closed.
    expect((await call(byName, 'fetch_url', { url: `${site.base}/x` })).output).toBe(internal('127.0.0.1 is a loopback address', `127.0.0.1:${site.port}`));
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (where cloud metadata services answer)', '169.254.169.254:80'],
    ['http://10.0.0.1/', '10.0.0.1 is a private address (RFC 1918)', '10.0.0.1:80'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254 is a unique-local address', '[fd00:ec2::254]:80'],
  ])('a redirect from an allowed server to %s is refused before connecting, naming the hop', async (target, detail, entry) => {
    const site = await serve((_req, res) => res.writeHead(302, { location: target }).end());
    const result = await call(await fetcher([site], [`${site.base}/start`]), 'fetch_url', { url: `${site.base}/start` });
    expect(result).toEqual({ ok: false, output: internal(`${detail} (redirect 1, from ${site.base}/start to ${target})`, entry) });
    expect(site.requests).toHaveLength(1);
  });

  it('a redirect to another loopback port in disguise ([::ffff:127.0.0.1], 2130706433, localhost) is refused; that port sees no connection', async () => {
    const other = await serve((_req, res) => res.end('internal admin'));
    const disguises = [`http://[::ffff:127.0.0.1]:${other.port}/admin`, `http://2130706433:${other.port}/admin`, `http://0x7f.1:${other.port}/admin`, `http://localhost:${other.port}/admin`];
    let next = 0;
    const site = await serve((_req, res) => res.writeHead(307, { location: disguises[next++] }).end());
    const set = await fetcher([site], [site.base]);
    const outputs = [];
    for (let i = 0; i < disguises.length; i++) outputs.push((await call(set, 'fetch_url', { url: site.base })).output);
    expect(outputs).toEqual([
      internal(`::ffff:7f00:1 is an IPv4-mapped form of 127.0.0.1, a loopback address (redirect 1, from ${site.base}/ to http://[::ffff:7f00:1]:${other.port}/admin)`, `127.0.0.1:${other.port}`),
      internal(`127.0.0.1 is a loopback address (redirect 1, from ${site.base}/ to http://127.0.0.1:${other.port}/admin)`, `127.0.0.1:${other.port}`),
      internal(`127.0.0.1 is a loopback address (redirect 1, from ${site.base}/ to http://127.0.0.1:${other.port}/admin)`, `127.0.0.1:${other.port}`),
      internal(`localhost is a local host name (localhost) (redirect 1, from ${site.base}/ to http://localhost:${other.port}/admin)`, `localhost:${other.port}`),
    ]);
    expect(other.connections).toBe(0);
  });

  it('an agent allow entry lifts provenance, never the address guard', async () => {
    const site = await serve((_req, res) => res.end('page'));
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { allow: ['fetch_url', `fetch_url:127.0.0.1:${site.port}`] });
    expect(await call(set, 'fetch_url', { url: `${site.base}/never-seen` })).toEqual({ ok: false, output: internal('127.0.0.1 is a loopback address', `127.0.0.1:${site.port}`) });
    expect(site.connections).toBe(0);
  });
});
