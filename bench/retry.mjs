// Retry waiting (issue 4): a fake OpenAI-compatible server answers every fifth request with
// 429 and `retry-after: 0.2`; 200 `loom ask` calls run in this process (four at a time) and must
// all succeed, with the time spent waiting within 10% of the sum of the retry-after values —
// no needless extra waiting, and no ignoring the server.
//
// How it runs "in-process": dist/ is one bundle with no library entry, so this script bundles
// Loom's own CLI entry (src/cli/main.ts, which exports runCli) with esbuild into
// node_modules/.cache/ — the same options as scripts/build.mjs — and calls runCli(['ask', …])
// with in-memory stdout/stderr. Each call is the whole command: config loading, plan, engine
// (p-retry, the real sleep), the openai-compatible provider through the real SDK over HTTP,
// rendering and the run log. Nothing is injected.
//
// How waiting is measured: at the server, not from what Loom says it will do. For each 429 the
// server notes when the response was handed to the socket, and when the same call's next request
// (matched by its prompt) arrives; waiting is the sum of those gaps. It therefore includes
// whatever Loom adds on top of the 200 ms asked for (its own processing and the new request),
// and would show a retry that came early.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RETRY_AFTER_S = 0.2;

async function bundleCli() {
  const { build } = await import('esbuild');
  // The file-search worker is a virtual module, as in scripts/build.mjs.
  const { esbuildWorkerPlugin } = await import('../scripts/worker-source.mjs');
  const outdir = join(root, 'node_modules', '.cache', 'loom-bench-retry');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    mainFields: ['module', 'main'],
    target: 'node20',
    logLevel: 'warning',
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [esbuildWorkerPlugin()],
    banner: { js: "import { createRequire as __loomCreateRequire } from 'node:module'; const require = __loomCreateRequire(import.meta.url);" },
  });
  return import(pathToFileURL(join(outdir, 'main.js')).href);
}

const chunk = (delta, finish = null) => ({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_760_000_000,
  model: 'bench-model',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

function startServer() {
  const stats = { requests: 0, limited: 0, waitedMs: 0, retriesSeen: 0 };
  /** prompt → when its 429 was handed to the socket. */
  const limitedAt = new Map();
  const server = http.createServer({ noDelay: true }, async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    const arrived = performance.now();
    const prompt = JSON.parse(body).messages.at(-1).content;
    if (limitedAt.has(prompt)) {
      stats.waitedMs += arrived - limitedAt.get(prompt);
      stats.retriesSeen++;
      limitedAt.delete(prompt);
    }
    stats.requests++;
    if (stats.requests % 5 === 0) {
      stats.limited++;
      res.on('finish', () => limitedAt.set(prompt, performance.now()));
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_S) });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_exceeded', param: null, code: null } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }));
    send(chunk({ content: `answer to ${prompt}` }));
    send(chunk({}, 'stop'));
    send({ ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
    send('[DONE]');
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, stats, url: `http://127.0.0.1:${server.address().port}` })));
}

const sink = () => {
  const sinkStream = { text: '', write: (chunkText) => ((sinkStream.text += chunkText), true) };
  return sinkStream;
};

export async function benchRetry({ calls = 200, concurrency = 4 } = {}) {
  const { runCli } = await bundleCli();
  const { server, stats, url } = await startServer();
  const project = mkdtempSync(join(tmpdir(), 'loom-bench-retry-'));
  try {
    writeFileSync(
      join(project, 'loom.config.json'),
      JSON.stringify({ defaultProvider: 'fake', providers: { fake: { type: 'openai-compatible', baseUrl: `${url}/v1`, model: 'bench-model' } }, retry: { retries: 3, maxDelayMs: 30_000 } }),
    );
    const env = { PATH: process.env.PATH, HOME: project };
    const signal = new AbortController().signal;
    const failures = [];
    let attempts = 0;
    let notices = 0;
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < calls) {
        const i = next++;
        const stdout = sink();
        const stderr = sink();
        const code = await runCli({ argv: ['ask', '--json', `call ${i}`], env, cwd: project, stdin: Readable.from([]), stdout, stderr, signal });
        const doc = stdout.text ? JSON.parse(stdout.text) : null;
        if (code !== 0 || !doc?.ok || doc.text !== `answer to call ${i}`) failures.push({ i, code, stderr: stderr.text });
        attempts += doc?.attempts ?? 0;
        notices += (stderr.text.match(/rate limited \(429\), retrying in 200ms/g) ?? []).length;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wall = performance.now() - started;

    const expectedMs = stats.limited * RETRY_AFTER_S * 1000;
    const deviation = (stats.waitedMs - expectedMs) / expectedMs;
    const met = failures.length === 0 && Math.abs(deviation) <= 0.1 && stats.retriesSeen === stats.limited;
    console.log(`\nretry: ${calls} loom ask calls in-process (${concurrency} at a time), every 5th request answered 429 retry-after: ${RETRY_AFTER_S}`);
    console.log(`  failures                         ${failures.length}`);
    console.log(`  requests / 429s / attempts       ${stats.requests} / ${stats.limited} / ${attempts}  (one stderr notice per retry: ${notices === stats.limited ? 'yes' : `NO, ${notices}`})`);
    console.log(`  waiting measured at the server   ${stats.waitedMs.toFixed(0)} ms`);
    console.log(`  sum of retry-after values        ${expectedMs.toFixed(0)} ms`);
    console.log(`  deviation                        ${(deviation * 100).toFixed(1)}%  (goal within 10%, no failures: ${met ? 'met' : 'NOT met'})`);
    console.log(`  wall time                        ${(wall / 1000).toFixed(2)} s`);
    if (failures.length) console.log(`  first failure: ${JSON.stringify(failures[0])}`);
    return { failures: failures.length, requests: stats.requests, limited: stats.limited, waitedMs: stats.waitedMs, expectedMs, deviation, wallMs: wall };
  } finally {
    server.close();
    server.closeAllConnections?.();
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRetry();
