/** For the fetch_url tests: loopback HTTP servers that record what they are sent, and a tool set that may fetch them. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { ToolSetOptions } from '../../src/tools/index.js';
import { makeSandbox, tools } from './helpers.js';

export interface Seen {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server that records every request, and every connection (a refused hop must open none). */
export interface TestServer {
  base: string;
  port: number;
  requests: Seen[];
  connections: number;
  server: Server;
}

const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(({ server }) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

export async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1'): Promise<TestServer> {
  const server = createServer();
  const entry: TestServer = { base: '', port: 0, requests: [], connections: 0, server };
  server.on('connection', () => entry.connections++);
  server.on('request', (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      entry.requests.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  entry.port = (server.address() as AddressInfo).port;
  entry.base = `http://${host}:${entry.port}`;
  servers.push(entry);
  return entry;
}

/** A tool set that may fetch these servers (network.allow) and these URLs (provenance). */
export async function fetcher(open: TestServer[], context: string[], options: Partial<ToolSetOptions> = {}) {
  const { workspace } = await makeSandbox();
  return tools(workspace, { networkAllow: open.map((s) => `127.0.0.1:${s.port}`), context, ...options });
}

export const wrapped = (url: string, body: string) => `<untrusted_content source="${url}">\n${body}\n</untrusted_content>`;
export const head = (status: string, url: string, type: string) => `HTTP ${status}\nurl: ${url}\ncontent-type: ${type}`;
export const internal = (detail: string, entry: string) =>
  `refused: internal_address: ${detail}; fetch_url reaches loopback, private and other internal addresses only where the project's loom.config.json opens them ("network": {"allow": ["${entry}"]})`;
