/**
 * A small WHATWG-`fetch`-compatible function on `node:http`/`node:https`, handed to every SDK
 * through its `fetch` option.
 *
 * Why: Node's built-in fetch (undici) compiles a WebAssembly HTTP parser and spends ~60 ms at
 * process exit; a CLI that makes one request pays that on every run. `node:http` has none of it.
 *
 * What it does: one request per call on the default (keep-alive) agents; the response body is a
 * `ReadableStream` fed as bytes arrive (with back-pressure), so SSE passes straight through; the
 * AbortSignal cancels the request before the response and errors the body after it. It asks for
 * `accept-encoding: identity`, so no decompression is needed. It does not follow redirects (the
 * SDKs never rely on them) and has no cookie jar or cache. Errors are shaped like undici's:
 * a connection failure rejects with `TypeError('fetch failed', { cause })` where `cause.code` is
 * the socket error (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`…), a body cut off mid-way errors
 * the stream with `TypeError('terminated', { cause })`, and an abort rejects with the signal's
 * reason (an `AbortError` DOMException by default).
 *
 * `--verbose`: a request made inside `observeHttp(observer, …)` is reported to that observer
 * once, when its response headers arrive (or it fails before): method, path, status, time, the
 * provider's request id. AsyncLocalStorage carries the observer through the SDK's own calls, so
 * one client serves concurrent turns and each turn hears only about its own requests.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';
import type { HttpExchange } from '../core/messages.js';

export type HttpObserver = (exchange: HttpExchange) => void;

const observers = new AsyncLocalStorage<HttpObserver>();

/** Runs `work` (an SDK call) so that every request it makes is reported to `observer`. */
export function observeHttp<T>(observer: HttpObserver, work: () => T): T {
  return observers.run(observer, work);
}

/** Response headers that carry the provider's id for a request: OpenAI, Anthropic, Google front ends. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-goog-request-id'];

function requestIdOf(headers: http.IncomingHttpHeaders): string | null {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) return first;
  }
  return null;
}

/** Statuses whose response must have a null body (the Response constructor enforces it). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: Uint8Array | string | undefined;
  signal: AbortSignal | undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

async function prepare(input: string | URL | Request, init: RequestInit | undefined): Promise<PreparedRequest> {
  if (input instanceof Request) {
    // Fold init over the Request the way fetch does, then read the body once.
    const request = init ? new Request(input, init) : input;
    const buffer = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    return { url: new URL(request.url), method: request.method, headers: new Headers(request.headers), body: buffer, signal: request.signal };
  }
  const url = new URL(String(input));
  const method = (init?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init?.headers);
  const raw = init?.body;
  let body: Uint8Array | string | undefined;
  if (raw == null) {
    body = undefined;
  } else if (typeof raw === 'string') {
    body = raw;
  } else if (raw instanceof Uint8Array) {
    body = raw;
  } else if (raw instanceof ArrayBuffer) {
    body = new Uint8Array(raw);
  } else if (ArrayBuffer.isView(raw)) {
    body = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  } else {
    // Blob, FormData, URLSearchParams, ReadableStream: let the platform serialize it and pick
    // the content type (multipart boundary and all), then send the bytes.
    const serialized = new Request(url, { method, body: raw, headers, duplex: 'half' } as RequestInit);
    serialized.headers.forEach((value, key) => {
      if (!headers.has(key)) headers.set(key, value);
    });
    body = new Uint8Array(await serialized.arrayBuffer());
  }
  return { url, method, headers, body, signal: init?.signal ?? undefined };
}

export const httpFetch: FetchFunction = async (input, init) => {
  const { url, method, headers, body, signal } = await prepare(input, init);
  if (signal?.aborted) throw abortReason(signal);

  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport) throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);

  const outgoing: Record<string, string> = {};
  headers.forEach((value, key) => {
    outgoing[key] = value;
  });
  if (!headers.has('accept-encoding')) outgoing['accept-encoding'] = 'identity';
  if (body !== undefined) outgoing['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

  const observer = observers.getStore();
  const started = performance.now();
  let reported = false;
  const report = (status: number | null, headers: http.IncomingHttpHeaders = {}): void => {
    if (!observer || reported) return;
    reported = true;
    observer({ method, path: url.pathname, status, durationMs: Math.round(performance.now() - started), requestId: requestIdOf(headers) });
  };

  return new Promise<Response>((resolve, reject) => {
    let request: http.ClientRequest;
    let response: http.IncomingMessage | undefined;
    let bodyController: ReadableStreamDefaultController<Uint8Array> | undefined;
    let settled = false; // the promise has resolved or rejected
    let finished = false; // the body has closed, errored or been cancelled

    const detach = (): void => signal?.removeEventListener('abort', onAbort);

    const failBody = (error: unknown): void => {
      if (finished) return;
      finished = true;
      detach();
      try {
        bodyController?.error(error);
      } catch {
        // The stream was already closed by its reader.
      }
    };

    function onAbort(): void {
      const reason = abortReason(signal!);
      if (!settled) {
        report(null);
        settled = true;
        detach();
        reject(reason);
      } else {
        failBody(reason);
      }
      request.destroy();
      response?.destroy();
    }

    try {
      request = transport.request(url, { method, headers: outgoing });
    } catch (error) {
      // Invalid header values and the like are thrown synchronously by node:http.
      report(null);
      reject(new TypeError('fetch failed', { cause: error }));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    request.on('error', (error) => {
      if (!settled) {
        report(null);
        settled = true;
        detach();
        reject(new TypeError('fetch failed', { cause: error }));
      } else {
        failBody(new TypeError('terminated', { cause: error }));
      }
    });

    request.on('response', (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      report(status, res.headers);
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        try {
          responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        } catch {
          // A header name or value the Headers class refuses; fetch would drop it too.
        }
      }

      let stream: ReadableStream<Uint8Array> | null = null;
      if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
        finished = true;
        res.on('end', detach);
        res.resume();
      } else {
        stream = new ReadableStream<Uint8Array>({
          start(controller) {
            bodyController = controller;
            res.on('data', (chunk: Buffer) => {
              if (finished) return;
              controller.enqueue(chunk);
              if ((controller.desiredSize ?? 1) <= 0) res.pause();
            });
            res.on('end', () => {
              if (finished) return;
              finished = true;
              detach();
              controller.close();
            });
            res.on('error', (error) => failBody(new TypeError('terminated', { cause: error })));
            res.on('close', () => {
              if (!finished) failBody(new TypeError('terminated', { cause: withCode('connection closed before the response was complete', 'ECONNRESET') }));
            });
          },
          pull() {
            res.resume();
          },
          cancel() {
            finished = true;
            detach();
            res.destroy();
            request.destroy();
          },
        });
      }

      let result: Response;
      try {
        result = new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders });
      } catch (error) {
        settled = true;
        detach();
        res.destroy();
        reject(new TypeError('fetch failed', { cause: error }));
        return;
      }
      Object.defineProperty(result, 'url', { value: url.toString() });
      settled = true;
      resolve(result);
    });

    request.end(body);
  });
};
