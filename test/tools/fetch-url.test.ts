import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/tools/limits.js';
import { call, makeSandbox, tools } from './helpers.js';

let server: Server | undefined;
const requests: { url: string; method: string }[] = [];

afterEach(async () => {
  requests.length = 0;
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', method: req.method ?? '' });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('fetch_url', () => {
  it('GETs a loopback URL and returns status, content type and body', async () => {
    const base = await serve((req, res) => {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`hello from ${req.url}`);
    });
    const { workspace } = await makeSandbox();
    const result = await call(await tools(workspace), 'fetch_url', { url: `${base}/page?q=1` });
    expect(result).toEqual({ ok: true, output: `HTTP 200 OK\nurl: ${base}/page?q=1\ncontent-type: text/plain; charset=utf-8\n\nhello from /page?q=1` });
    expect(requests).toEqual([{ url: '/page?q=1', method: 'GET' }]);
  });

  it('follows redirects, decompresses, and reports an error status as a failed result', async () => {
    const base = await serve((req, res) => {
      if (req.url === '/old') return res.writeHead(302, { location: '/new' }).end();
      if (req.url === '/new') return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"a":1}'));
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    });
    const { workspace } = await makeSandbox();
    const set = await tools(workspace);
    expect(await call(set, 'fetch_url', { url: `${base}/old` })).toEqual({ ok: true, output: `HTTP 200 OK\nurl: ${base}/new\ncontent-type: application/json\n\n{"a":1}` });
    expect(await call(set, 'fetch_url', { url: `${base}/missing` })).toEqual({ ok: false, output: `HTTP 404 Not Found\nurl: ${base}/missing\ncontent-type: text/plain\n\nno such page` });
  });

  it('refuses schemes other than http and https, also as a redirect target, without a request', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace);
    expect(await call(set, 'fetch_url', { url: 'file:///etc/passwd' })).toEqual({ ok: false, output: 'refused: fetch_url only fetches http: and https: URLs, not file:' });
    expect(await call(set, 'fetch_url', { url: 'ftp://example.com/x' })).toEqual({ ok: false, output: 'refused: fetch_url only fetches http: and https: URLs, not ftp:' });
    expect(await call(set, 'fetch_url', { url: 'not a url' })).toEqual({ ok: false, output: '"not a url" is not a valid URL' });
    const base = await serve((_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end());
    expect(await call(set, 'fetch_url', { url: base })).toEqual({ ok: false, output: 'refused: fetch_url only fetches http: and https: URLs, not file:' });
  });

  it('stops following a redirect loop', async () => {
    const base = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    const { workspace } = await makeSandbox();
    expect(await call(await tools(workspace), 'fetch_url', { url: base })).toEqual({ ok: false, output: `too many redirects (more than ${LIMITS.fetchRedirects}), last to /again` });
    expect(requests).toHaveLength(LIMITS.fetchRedirects + 1);
  });

  it('cuts a large body and stops downloading it', async () => {
    let sent = 0;
    const base = await serve((_req, res) => {
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
    const { workspace } = await makeSandbox();
    const result = await call(await tools(workspace), 'fetch_url', { url: base });
    expect(result.ok).toBe(true);
    expect(result.output.endsWith(`\n[fetch_url: the body is longer than ${LIMITS.fetchBytes / 1024} KB; only the beginning is shown]`)).toBe(true);
    expect(result.output.length).toBeLessThan(LIMITS.fetchBytes + 300);
    expect(sent).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses a binary body', async () => {
    const base = await serve((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0, 1, 2])));
    const { workspace } = await makeSandbox();
    expect(await call(await tools(workspace), 'fetch_url', { url: `${base}/a.png` })).toEqual({
      ok: false,
      output: `HTTP 200 OK\nurl: ${base}/a.png\ncontent-type: image/png\n\n[fetch_url: the body is binary; only text is returned]`,
    });
  });

  it('times out on a server that does not answer, and reports a refused connection', async () => {
    const base = await serve(() => undefined);
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { fetchTimeoutMs: 300 });
    expect(await call(set, 'fetch_url', { url: `${base}/slow` })).toEqual({ ok: false, output: `fetching ${base}/slow timed out after 0.3 s` });
    const port = (server!.address() as AddressInfo).port;
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const refused = await call(set, 'fetch_url', { url: `http://127.0.0.1:${port}/` });
    expect(refused).toEqual({ ok: false, output: `fetching http://127.0.0.1:${port}/ failed: connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('an abort ends the request', async () => {
    const base = await serve(() => undefined);
    const { workspace } = await makeSandbox();
    const controller = new AbortController();
    const pending = call(await tools(workspace), 'fetch_url', { url: base }, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toEqual({ ok: false, output: 'the tool call was aborted' });
  });
});
