// Agent loop (issue 5): Loom's own time per agent step, and who pays for MCP servers.
//
// 1. Time per step (goal: Loom's own time < 2 ms, median). `loom run` of the built CLI drives a
//    10-step tool loop against a fake OpenAI-compatible server in this process (node:http on
//    127.0.0.1), which answers every request at once with a streamed tool call, and the tenth
//    with the answer.
//    How it is measured: at the server, on the wire. For each step after the first, the server
//    notes when it finished writing the previous response (res.end's callback: the bytes are
//    with the kernel) and when the next request had fully arrived. That gap is everything
//    between the model's answer and the next request: the SDK reading the stream, the turn's
//    events, the loop, the tool call (dispatch, result), rendering, the conversation converted
//    and serialized by the SDK, the POST on a kept-alive connection, and the loopback transport
//    both ways. The model is excluded (the server answers instantly, its own time is outside the
//    gap). The tool is excluded by calling one that does nothing: the model asks for a tool the
//    agent lacks, which Loom answers at once with an error result (the whole path but a tool
//    body); the same loop with a real cheap tool (list_files on a three-file folder) is shown
//    too. The transport is excluded by a bare client run against the same server, interleaved:
//    a node script doing the least any client must (POST, read the SSE answer, parse its chunks,
//    append the turn and a result, POST again). Loom's own time per step = median gap of
//    `loom run` − median gap of the bare client. Also shown: the same once V8 has warmed up
//    (steps 51–100 of a 100-step loop), and a cross-check by whole-process wall time,
//    (wall of a 10-step run − wall of a 1-step run) / 9, which holds the server, the tool and
//    the one-time loading on the first tool call (ajv for list_files' arguments) as well.
//    The child's stderr goes to a file, so this process's event loop serves only the server.
//
// 2. MCP start-up is paid only by runs whose agent uses it: `loom run` (mock provider, one turn)
//    of an agent without MCP servers in a project where another agent has one, and of the agent
//    with the server (`@modelcontextprotocol/server-everything` over stdio, started and stopped
//    by the run), against the same agent in a project with no MCP server anywhere.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { compare, median, report, timeProcess } from './lib.mjs';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));
const everything = fileURLToPath(new URL('../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

const chunk = (delta, finish = null) => ({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_760_000_000,
  model: 'bench-model',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

/**
 * An OpenAI-compatible server for tool loops. The prompt says `steps=<n> tool=<name>`: while the
 * conversation holds fewer than n−1 tool results, the answer is a streamed call of that tool;
 * then a short text. Every request is recorded: `arrived` (body read) and `ended` (response flushed).
 */
function startServer() {
  const requests = [];
  const server = http.createServer({ noDelay: true }, async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    const record = { arrived: performance.now(), ended: 0 };
    requests.push(record);
    const request = JSON.parse(body);
    const prompt = request.messages.find((m) => m.role === 'user').content;
    const steps = Number(/steps=(\d+)/.exec(prompt)[1]);
    const tool = /tool=(\S+)/.exec(prompt)[1];
    const done = request.messages.filter((m) => m.role === 'tool').length;
    const frames = [chunk({ role: 'assistant', content: '' })];
    if (done < steps - 1) {
      const args = tool === 'list_files' ? '{"path":"files"}' : '{}';
      frames.push(chunk({ tool_calls: [{ index: 0, id: `call_${done}`, type: 'function', function: { name: tool, arguments: args } }] }), chunk({}, 'tool_calls'));
    } else {
      frames.push(chunk({ content: 'Done.' }), chunk({}, 'stop'));
    }
    frames.push({ ...chunk({}), choices: [], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 } }, '[DONE]');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(frames.map((f) => `data: ${typeof f === 'string' ? f : JSON.stringify(f)}\n\n`).join(''), () => (record.ended = performance.now()));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}` })));
}

/**
 * Spawns without blocking (the server lives in this process); resolves with the wall time. The
 * child's stderr (Loom's tool notices) goes to a file, so this process's event loop serves
 * only the fake server and stdout, the same for every variant.
 */
function timeSpawn(args, options) {
  return new Promise((resolve, reject) => {
    const errFile = join(options.cwd, 'stderr.txt');
    const errFd = openSync(errFile, 'w');
    const started = performance.now();
    const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', errFd] });
    closeSync(errFd);
    let stdout = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0 && stdout === 'Done.\n') resolve(elapsed);
      else reject(new Error(`${args.slice(1).join(' ')} exited ${code}: ${stdout}${readFileSync(errFile, 'utf8')}`));
    });
  });
}

/**
 * The bare baseline: the least any client does per step — POST on a kept-alive node:http
 * connection, read the SSE answer, JSON-parse its chunks, join the tool call, append the
 * assistant turn and a result, POST the whole conversation again. No SDK, no checks.
 */
const BASELINE = `
import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
const url = new URL(process.env.BENCH_URL + '/v1/chat/completions');
const messages = [{ role: 'user', content: process.argv[2] }];
const tools = [{ type: 'function', function: { name: 'list_files', description: 'List files', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }];
for (;;) {
  const body = JSON.stringify({ model: 'bench-model', messages, tools, stream: true, stream_options: { include_usage: true } });
  const text = await new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let data = '';
      response.setEncoding('utf8');
      response.on('data', (part) => (data += part));
      response.on('end', () => resolve(data));
    });
    request.on('error', reject);
    request.end(body);
  });
  let content = '';
  const calls = [];
  for (const block of text.split('\\n\\n')) {
    const line = block.replace(/^data: /, '');
    if (line === '' || line === '[DONE]') continue;
    const delta = JSON.parse(line).choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) content += delta.content;
    for (const call of delta.tool_calls ?? []) {
      calls[call.index] ??= { id: call.id, name: call.function.name, args: '' };
      calls[call.index].args += call.function.arguments ?? '';
    }
  }
  if (calls.length === 0) {
    process.stdout.write(content + '\\n');
    break;
  }
  messages.push({ role: 'assistant', content: content || null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) });
  for (const call of calls) messages.push({ role: 'tool', tool_call_id: call.id, content: 'unknown tool' });
}
agent.destroy();
`;

const p90 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];

async function benchSteps({ runs, steps, warmRuns }) {
  const { server, requests, url } = await startServer();
  const project = mkdtempSync(join(tmpdir(), 'loom-bench-agent-'));
  try {
    writeFileSync(join(project, 'loom.config.json'), JSON.stringify({ defaultProvider: 'fake', providers: { fake: { type: 'openai-compatible', baseUrl: `${url}/v1`, model: 'bench-model' } }, log: false }));
    mkdirSync(join(project, 'agents', 'loop'), { recursive: true });
    writeFileSync(join(project, 'agents', 'loop', 'config.json'), JSON.stringify({ prompt: '{{input}}', tools: ['list_files'], maxSteps: 100 }));
    mkdirSync(join(project, 'files'));
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(project, 'files', name), 'x\n');
    const baselineFile = join(project, 'baseline.mjs');
    writeFileSync(baselineFile, BASELINE);
    const options = { cwd: project, env: { PATH: process.env.PATH, HOME: project, BENCH_URL: url } };
    const variants = {
      baseline: (n) => timeSpawn([baselineFile, `steps=${n} tool=noop`], options),
      noop: (n) => timeSpawn([loom, 'run', 'loop', `steps=${n} tool=noop`], options),
      list_files: (n) => timeSpawn([loom, 'run', 'loop', `steps=${n} tool=list_files`], options),
    };

    // Gaps between a response's end and the next request, per step after the first; the
    // variants alternate run by run, after one warm-up round.
    const gaps = { baseline: [], noop: [], list_files: [] };
    const walls = { long: [], short: [] };
    const serverTimes = [];
    for (let i = 0; i < runs + 1; i++) {
      for (const [name, run] of Object.entries(variants)) {
        requests.length = 0;
        const wall = await run(steps);
        if (requests.length !== steps) throw new Error(`${name}: expected ${steps} requests, saw ${requests.length}`);
        if (i === 0) continue;
        for (let k = 1; k < requests.length; k++) gaps[name].push(requests[k].arrived - requests[k - 1].ended);
        if (name === 'list_files') {
          walls.long.push(wall);
          serverTimes.push(...requests.map((r) => r.ended - r.arrived));
        }
      }
      // Cross-check by wall time: a 1-step run of the same agent.
      const short = await variants.list_files(1);
      if (i > 0) walls.short.push(short);
    }
    const byWall = (median(walls.long) - median(walls.short)) / (steps - 1);

    // Warmed up: the second half of a 100-step loop, once V8 has compiled the hot paths.
    const warm = { baseline: [], noop: [] };
    for (let i = 0; i < warmRuns; i++) {
      for (const name of ['baseline', 'noop']) {
        requests.length = 0;
        await variants[name](100);
        for (let k = 51; k < requests.length; k++) warm[name].push(requests[k].arrived - requests[k - 1].ended);
      }
    }
    const [base, raw, withTool] = [median(gaps.baseline), median(gaps.noop), median(gaps.list_files)];
    const own = raw - base;

    console.log(`\nagent loop: time per step of a ${steps}-step tool loop against a local fake (openai-compatible, streamed), ${runs} runs each, measured at the server`);
    console.log(`  bare client (node:http, JSON, no SDK)                   median ${base.toFixed(2)} ms, p90 ${p90(gaps.baseline).toFixed(2)} ms`);
    console.log(`  loom run, tool excluded (a call Loom answers itself)    median ${raw.toFixed(2)} ms, p90 ${p90(gaps.noop).toFixed(2)} ms`);
    console.log(`  loom run with list_files (3 files), tool included       median ${withTool.toFixed(2)} ms, p90 ${p90(gaps.list_files).toFixed(2)} ms`);
    console.log(`  Loom's own time per step (loom − bare client)           ${own.toFixed(2)} ms  (goal < 2 ms: ${own < 2 ? 'met' : 'NOT met'})`);
    console.log(`  warmed up (steps 51–100 of a 100-step loop): bare client ${median(warm.baseline).toFixed(2)} ms, loom ${median(warm.noop).toFixed(2)} ms, Loom's own ${(median(warm.noop) - median(warm.baseline)).toFixed(2)} ms`);
    console.log(`  cross-check: (wall ${steps} steps ${median(walls.long).toFixed(1)} ms − wall 1 step ${median(walls.short).toFixed(1)} ms) / ${steps - 1} = ${byWall.toFixed(2)} ms per step (with the server's ${median(serverTimes).toFixed(2)} ms, the tool, and one-time loading on the first call)`);
    return { bareStepMs: base, loomStepMs: raw, loomOwnStepMs: own, loomStepWithToolMs: withTool, perStepByWallMs: byWall, warmLoomOwnStepMs: median(warm.noop) - median(warm.baseline) };
  } finally {
    server.close();
    server.closeAllConnections?.();
    rmSync(project, { recursive: true, force: true });
  }
}

function benchMcpStartup({ runs }) {
  const make = (agents) => {
    const root = mkdtempSync(join(tmpdir(), 'loom-bench-mcp-'));
    writeFileSync(join(root, 'loom.config.json'), JSON.stringify({ defaultProvider: 'mock', log: false }));
    for (const [name, config] of Object.entries(agents)) {
      mkdirSync(join(root, 'agents', name), { recursive: true });
      writeFileSync(join(root, 'agents', name, 'config.json'), JSON.stringify({ prompt: 'Say hi.', ...config }));
    }
    return root;
  };
  const plain = { tools: ['list_files'] };
  const withMcp = { tools: ['list_files'], mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } } };
  const alone = make({ plain });
  const mixed = make({ plain, mcp: withMcp });
  const env = { PATH: process.env.PATH, HOME: alone };
  const time = (cwd, agent) => () => timeProcess(process.execPath, [loom, 'run', agent], { cwd, env, expectStatus: 0 });
  try {
    // Two passes: a server-everything run leaves its server exiting for ~0.35 s after Loom has
    // gone, which would slow whichever run came next and blur the first comparison.
    const medians = {
      ...compare(time(alone, 'plain'), [{ name: 'no-MCP agent beside an MCP one', run: time(mixed, 'plain') }], runs),
      'agent with an MCP server': compare(time(alone, 'plain'), [{ name: 'mcp', run: time(mixed, 'mcp') }], runs).mcp,
    };
    report('MCP start-up is paid only by agents that use it (loom run, mock provider, one turn; baseline: the same agent in a project without MCP)', medians, { 'no-MCP agent beside an MCP one': 1.1 });
    console.log(`  server-everything (stdio) adds ${(medians['agent with an MCP server'] - medians.baseline).toFixed(0)} ms to its agent's run: spawn, handshake, tool list, and its own ~0.35 s to exit once stdin closes`);
    return medians;
  } finally {
    rmSync(alone, { recursive: true, force: true });
    rmSync(mixed, { recursive: true, force: true });
  }
}

export async function benchAgentLoop({ runs = 15, steps = 10, warmRuns = 3, mcpRuns = 9 } = {}) {
  const perStep = await benchSteps({ runs, steps, warmRuns });
  const mcp = benchMcpStartup({ runs: mcpRuns });
  return { ...perStep, mcp };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAgentLoop();
