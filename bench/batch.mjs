// Batch throughput (issue 13): `loom batch tp --input items.jsonl --output results.jsonl
// --concurrency 16` over 200 items against a local server answering each in 20 ms, beside a
// raw-`fetch` script doing the same 200 requests 16 at a time against the same server, in the
// same run, interleaved. Goal: Loom within 1.2× of the raw loop.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.mjs';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));
const ITEMS = 200;
const CONCURRENCY = 16;
const ANSWER_MS = 20;

function startServer() {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      setTimeout(() => {
        const body = { id: 'chatcmpl-bench', object: 'chat.completion', created: 0, model: 'gpt-5.4-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 } };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      }, ANSWER_MS),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const RAW_LOOP = `
const url = process.argv[1];
let next = 0;
async function worker() {
  while (next < ${ITEMS}) {
    const i = next++;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: JSON.stringify({ model: 'gpt-5.4-mini', messages: [{ role: 'user', content: 'item ' + i }] }) });
    await response.json();
  }
}
Promise.all(Array.from({ length: ${CONCURRENCY} }, worker));
`;

// The same loop through the official SDK, for scale: what the SDK itself costs over raw fetch.
const SDK_LOOP = `
import OpenAI from ${JSON.stringify(fileURLToPath(new URL('../node_modules/openai/index.mjs', import.meta.url)))};
const client = new OpenAI({ apiKey: 'x', baseURL: process.argv[1], maxRetries: 0 });
let next = 0;
async function worker() { while (next < ${ITEMS}) { const i = next++; await client.chat.completions.create({ model: 'gpt-5.4-mini', messages: [{ role: 'user', content: 'item ' + i }] }); } }
await Promise.all(Array.from({ length: ${CONCURRENCY} }, worker));
`;

function time(command, args, options) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export async function benchBatch(runs = 7) {
  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}`;
  const project = mkdtempSync(join(tmpdir(), 'loom-bench-batch-'));
  try {
    writeFileSync(join(project, 'loom.config.json'), JSON.stringify({ defaultProvider: 'oai', providers: { oai: { type: 'openai', baseUrl: `${base}/v1`, model: 'gpt-5.4-mini', apiKey: 'sk-bench-0000000000000000' } } }));
    writeFileSync(join(project, 'items.jsonl'), Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ input: `item ${i}` })).join('\n') + '\n');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(project, 'agents', 'tp'), { recursive: true });
    writeFileSync(join(project, 'agents', 'tp', 'config.json'), JSON.stringify({ prompt: '{{input}}' }));
    const env = { PATH: process.env.PATH, HOME: project };
    const raw = [];
    const sdk = [];
    const batch = [];
    for (let i = 0; i < runs + 1; i++) {
      const r = await time(process.execPath, ['-e', RAW_LOOP, `${base}/v1/chat/completions`], { env });
      const k = await time(process.execPath, ['--input-type=module', '-e', SDK_LOOP, `${base}/v1`], { env });
      const b = await time(process.execPath, [loom, 'batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--force', '--concurrency', String(CONCURRENCY)], { cwd: project, env });
      if (i === 0) continue; // warm-up
      raw.push(r);
      sdk.push(k);
      batch.push(b);
    }
    const rawMs = median(raw);
    const batchMs = median(batch);
    console.log(`\nbatch throughput (${ITEMS} items, concurrency ${CONCURRENCY}, ${ANSWER_MS} ms answers; median wall time)`);
    console.log(`  raw fetch loop (baseline)        ${rawMs.toFixed(1)} ms`);
    console.log(`  the openai SDK in a loop         ${median(sdk).toFixed(1)} ms  ${(median(sdk) / rawMs).toFixed(2)}×  (for scale)`);
    console.log(`  loom batch                       ${batchMs.toFixed(1)} ms  ${(batchMs / rawMs).toFixed(2)}×  (goal ≤ 1.2×: ${batchMs / rawMs <= 1.2 ? 'met' : 'NOT met'})`);
    return { rawMs, batchMs };
  } finally {
    server.close();
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBatch();
