import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { defineTool, FREE, ToolError, type ToolResult } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { decodeUtf8, isBinary } from '../text.js';

export interface FetchUrlOptions {
  timeoutMs?: number;
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

function parseUrl(given: string): URL {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ToolError(`"${given}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolError(`refused: fetch_url only fetches http: and https: URLs, not ${url.protocol}`);
  }
  return url;
}

function get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { 'user-agent': 'loom (fetch_url)', accept: '*/*', 'accept-encoding': 'gzip, deflate, br' },
      signal,
    });
    request.on('response', resolve);
    request.on('error', reject);
    request.end();
  });
}

function decoded(response: IncomingMessage): Readable {
  switch ((response.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return response.pipe(createGunzip());
    case 'deflate':
      return response.pipe(createInflate());
    case 'br':
      return response.pipe(createBrotliDecompress());
    default:
      return response;
  }
}

/** Reads at most `cap` bytes (and one more, to know there was more), then stops the download. */
async function readCapped(response: IncomingMessage, cap: number): Promise<{ bytes: Buffer; cut: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const body = decoded(response);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length > cap) break;
    }
  } finally {
    response.destroy();
    body.destroy();
  }
  const all = Buffer.concat(chunks);
  return { bytes: all.subarray(0, cap), cut: all.length > cap };
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|[\w.+-]*\+(json|xml))|image\/svg\+xml)/i;

export function createFetchUrl({ timeoutMs = LIMITS.fetchTimeoutMs }: FetchUrlOptions = {}) {
  return defineTool<{ url: string }>({
    name: 'fetch_url',
    description: `Fetch an http(s) URL with GET and return the status, content type and body text (at most ${formatBytes(LIMITS.fetchBytes)}). Redirects are followed. Gives up after ${seconds(timeoutMs)}.`,
    parameters: {
      type: 'object',
      properties: { url: { type: 'string', minLength: 1, description: 'An http: or https: URL' } },
      required: ['url'],
      additionalProperties: false,
    },
    prepare(_ctx, { url }) {
      parseUrl(url);
      return FREE;
    },
    async execute(ctx, { url: given }): Promise<ToolResult> {
      let url = parseUrl(given);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      try {
        for (let redirects = 0; ; redirects++) {
          const response = await get(url, signal);
          const status = response.statusCode ?? 0;
          const location = response.headers.location;
          if (status >= 300 && status < 400 && location !== undefined) {
            response.destroy();
            if (redirects >= LIMITS.fetchRedirects) throw new ToolError(`too many redirects (more than ${LIMITS.fetchRedirects}), last to ${location}`);
            url = parseUrl(new URL(location, url).href);
            continue;
          }
          const type = response.headers['content-type'] ?? '';
          const { bytes, cut } = await readCapped(response, LIMITS.fetchBytes);
          const head = `HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd() + `\nurl: ${url.href}\ncontent-type: ${type || '(none)'}`;
          if (!TEXTUAL.test(type) && isBinary(bytes.subarray(0, 8192))) {
            return { ok: false, output: `${head}\n\n[fetch_url: the body is binary; only text is returned]` };
          }
          let body = decodeUtf8(bytes, cut);
          if (cut) body += `\n[fetch_url: the body is longer than ${formatBytes(LIMITS.fetchBytes)}; only the beginning is shown]`;
          return { ok: status < 400, output: `${head}\n\n${body}` };
        }
      } catch (error) {
        if (error instanceof ToolError) throw error;
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (timeout.aborted) throw new ToolError(`fetching ${url.href} timed out after ${seconds(timeoutMs)}`);
        throw new ToolError(`fetching ${url.href} failed: ${(error as Error).message}`);
      }
    },
  });
}
