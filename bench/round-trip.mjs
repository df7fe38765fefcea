// Round trip (issue 3): per-call overhead of a whole `loom ask` process against a local fake
// OpenAI-compatible server, as a ratio to a bare `node` script making the same streamed POST
// with fetch, interleaved in the same run (goal ≤ 1.5×); and stream pass-through latency, from
// the server writing a chunk to the chunk arriving on Loom's stdout (goal: median < 2 ms).
//
// The fake server lives in this process (node:http on 127.0.0.1, port 0); every child is spawned
// asynchronously so the server keeps answering while the child runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './lib.mjs';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));

const chunk = (delta, finish = null) => ({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_760_000_000,
  model: 'bench-model',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

/**
 * A Chat Completions server. `/v1/chat/completions` streams "Hello, world!" in three chunks
 * with usage; when the request's last message is "ticks", it streams `ticks` chunks spaced
 * `gapMs` apart, each "tick <n>\n", recording when each was written.
 */
function startServer({ ticks = 20, gapMs = 50 } = {}) {
  const written = new Map();
  const server = http.createServer({ noDelay: true }, async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    const request = JSON.parse(body || '{}');
    const last = request.messages?.at(-1)?.content;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }));
    if (last === 'ticks') {
      for (let i = 0; i < ticks; i++) {
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        written.set(i, performance.now());
        send(chunk({ content: `tick ${i}\n` }));
      }
    } else {
      for (const piece of ['Hello', ', ', 'world!']) send(chunk({ content: piece }));
    }
    send(chunk({}, 'stop'));
    send({ ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
    send('[DONE]');
    res.end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}`, written }));
  });
}

/** The bare baseline: the same streamed POST with Node's fetch, printing the text deltas. */
const BASELINE = `
const response = await fetch(process.env.BENCH_URL + '/v1/chat/completions', {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: process.argv[2] }], stream: true, stream_options: { include_usage: true } }),
});
const decoder = new TextDecoder();
let buffer = '';
for await (const bytes of response.body) {
  buffer += decoder.decode(bytes, { stream: true });
  let end;
  while ((end = buffer.indexOf('\\n\\n')) >= 0) {
    const line = buffer.slice(0, end).replace(/^data: /, '');
    buffer = buffer.slice(end + 2);
    if (line === '[DONE]') continue;
    const text = JSON.parse(line).choices?.[0]?.delta?.content;
    if (text) process.stdout.write(text);
  }
}
process.stdout.write('\\n');
`;

/** Spawns a process and resolves with its wall time, stdout and exit code. */
function timeSpawn(args, options, onStdout) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => {
      onStdout?.(data, performance.now());
      stdout += data;
    });
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = performance.now() - started;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ elapsed, stdout, stderr });
    });
  });
}

export async function benchRoundTrip({ runs = 21, ticks = 20, tickRuns = 5 } = {}) {
  const { server, url, written } = await startServer({ ticks });
  const project = mkdtempSync(join(tmpdir(), 'loom-bench-rt-'));
  try {
    writeFileSync(
      join(project, 'loom.config.json'),
      JSON.stringify({ defaultProvider: 'fake', providers: { fake: { type: 'openai-compatible', baseUrl: `${url}/v1`, model: 'bench-model' } }, log: false }),
    );
    const baselineFile = join(project, 'baseline.mjs');
    writeFileSync(baselineFile, BASELINE);
    const env = { PATH: process.env.PATH, HOME: project, BENCH_URL: url };
    const options = { cwd: project, env };

    // Per-call overhead: baseline and loom alternately, after two warm-up rounds.
    const times = { baseline: [], loom: [] };
    for (let i = 0; i < runs + 2; i++) {
      const base = await timeSpawn([baselineFile, 'hi'], options);
      const run = await timeSpawn([loom, 'ask', 'hi'], options);
      if (base.stdout !== 'Hello, world!\n' || run.stdout !== 'Hello, world!\n') throw new Error(`unexpected output: ${JSON.stringify([base.stdout, run.stdout])}`);
      if (i < 2) continue;
      times.baseline.push(base.elapsed);
      times.loom.push(run.elapsed);
    }
    const baseline = median(times.baseline);
    const whole = median(times.loom);
    const ratio = whole / baseline;

    // Pass-through: when each "tick <n>" reached the parent through Loom's stdout.
    const latencies = [];
    for (let r = 0; r < tickRuns; r++) {
      written.clear();
      const seen = new Set();
      let text = '';
      await timeSpawn([loom, 'ask', 'ticks'], options, (data, at) => {
        text += data;
        for (const match of text.matchAll(/tick (\d+)\n/g)) {
          const n = Number(match[1]);
          if (seen.has(n)) continue;
          seen.add(n);
          latencies.push(at - written.get(n));
        }
      });
      if (seen.size !== ticks) throw new Error(`saw ${seen.size} of ${ticks} ticks`);
    }
    const passThrough = median(latencies);
    const p90 = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.9)];

    console.log('\nround trip: loom ask (openai-compatible, streamed) vs bare node + fetch, same fake server');
    console.log(`  baseline (node + fetch)          ${baseline.toFixed(1)} ms`);
    console.log(`  loom ask                         ${whole.toFixed(1)} ms  ${ratio.toFixed(2)}×  (goal ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`);
    console.log(`  stream pass-through (server write → loom stdout), ${latencies.length} chunks`);
    console.log(`    median ${passThrough.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms  (goal: median < 2 ms: ${passThrough < 2 ? 'met' : 'NOT met'})`);
    return { baselineMs: baseline, loomMs: whole, ratio, passThroughMedianMs: passThrough, passThroughP90Ms: p90 };
  } finally {
    server.close();
    server.closeAllConnections?.();
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRoundTrip();
