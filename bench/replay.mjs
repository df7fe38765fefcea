// Replay (issue 12): what serving one model call from a fixture costs over a run's own start-up.
// `loom ask --replay hi` (one call, recorded once beforehand) against the same `loom ask hi`
// made live on the in-process `mock` provider — the same pipeline, plan, renderer and log line,
// with no fixture code loaded — interleaved with bare `node -e 0`. The difference is the fixture
// layer: loading it, hashing the request, reading and parsing the file, serving the events.
// Goal: < 5 ms (median), shown also as a ratio to the live run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, report, timeProcess } from './lib.mjs';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));

export function benchReplay() {
  const project = mkdtempSync(join(tmpdir(), 'loom-bench-replay-'));
  const env = { PATH: process.env.PATH, HOME: project };
  try {
    writeFileSync(join(project, 'loom.config.json'), JSON.stringify({ defaultProvider: 'mock' }));
    const recorded = spawnSync(process.execPath, [loom, 'ask', '--record', 'hello', 'there'], { cwd: project, env, encoding: 'utf8' });
    if (recorded.status !== 0) throw new Error(`recording failed: ${recorded.stderr}`);
    const options = { cwd: project, env, expectStatus: 0 };
    const medians = compare(() => timeProcess(process.execPath, ['-e', '0'], { env }), [
      { name: 'loom ask (mock, live)', run: () => timeProcess(process.execPath, [loom, 'ask', 'hello', 'there'], options) },
      { name: 'loom ask --replay (one call)', run: () => timeProcess(process.execPath, [loom, 'ask', '--replay', 'hello', 'there'], options) },
    ], 41);
    report('replay (median wall time, ratio to node -e 0)', medians);
    const live = medians['loom ask (mock, live)'];
    const replay = medians['loom ask --replay (one call)'];
    const over = replay - live;
    console.log(`  replay over the live run           ${over.toFixed(1)} ms  ${(replay / live).toFixed(2)}× the live run  (goal < 5 ms: ${over < 5 ? 'met' : 'NOT met'})`);
    return { liveMs: live, replayMs: replay, overMs: over };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchReplay();
