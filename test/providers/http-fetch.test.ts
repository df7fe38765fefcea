/** httpFetch, the node:http fetch the SDKs are given: the parts of WHATWG fetch they rely on. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/providers/http-fetch.js';

let server: http.Server;
let base: string;
const seen: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() });
    const url = new URL(req.url!, 'http://x');
    switch (url.pathname) {
      case '/json':
        res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] as unknown as string });
        res.end(JSON.stringify({ ok: true }));
        return;
      case '/empty':
        res.writeHead(204);
        res.end();
        return;
      case '/slow-stream': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => res.write('data: 2\n\n'), 100);
        setTimeout(() => res.end('data: 3\n\n'), 200);
        return;
      }
      case '/cut':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: partial\n\n');
        setTimeout(() => req.socket.destroy(), 30);
        return;
      case '/hang':
        return;
      case '/drop':
        req.socket.destroy();
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('nope');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('httpFetch', () => {
  it('sends method, headers and body, and returns status, headers and a JSON body', async () => {
    const response = await httpFetch(`${base}/json`, { method: 'post', headers: { 'content-type': 'application/json', 'x-test': '1' }, body: '{"a":1}' });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.url).toBe(`${base}/json`);
    expect(await response.json()).toEqual({ ok: true });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers['x-test']).toBe('1');
    expect(request.headers['accept-encoding']).toBe('identity');
    expect(request.headers['content-length']).toBe('7');
    expect(request.body).toBe('{"a":1}');
  });

  it('accepts a Headers object, bytes and a Request', async () => {
    await httpFetch(new URL(`${base}/json`), { method: 'PUT', headers: new Headers({ 'x-h': 'v' }), body: new TextEncoder().encode('bytes') });
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', body: 'bytes', headers: { 'x-h': 'v' } });
    await httpFetch(new Request(`${base}/json`, { method: 'POST', body: 'from request', headers: { 'x-r': '1' } }));
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: 'from request', headers: { 'x-r': '1' } });
  });

  it('returns error statuses as responses, and a null body for 204', async () => {
    const missing = await httpFetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('nope');
    const empty = await httpFetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('streams the body as chunks arrive', async () => {
    const started = Date.now();
    const response = await httpFetch(`${base}/slow-stream`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('data: 1\n\n');
    expect(Date.now() - started).toBeLessThan(90);
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(rest).toBe('data: 2\n\ndata: 3\n\n');
  });

  it('rejects like fetch on connection refused and on a dropped socket', async () => {
    const refused = await httpFetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as Error).message).toBe('fetch failed');
    expect(((refused as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    const dropped = await httpFetch(`${base}/drop`).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(TypeError);
    expect(((dropped as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('errors the body when the connection breaks mid-way', async () => {
    const response = await httpFetch(`${base}/cut`);
    const error = await response.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('aborts before the response with the signal\'s reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await httpFetch(`${base}/hang`, { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    const reason = new Error('custom');
    const already = AbortSignal.abort(reason);
    await expect(httpFetch(`${base}/json`, { signal: already })).rejects.toBe(reason);
  });

  it('aborts a body being read', async () => {
    const controller = new AbortController();
    const response = await httpFetch(`${base}/slow-stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const error = await reader.read().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });

  it('refuses other protocols', async () => {
    await expect(httpFetch('ftp://example.com/')).rejects.toThrow(/unsupported protocol/);
  });
});
