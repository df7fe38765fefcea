// `loom test --replay` over the repository's example agents (issue 12: under 2 s on this 2-core
// machine; a ratio to `node -e 0` × the number of tests). Run where CI runs it: the repository
// itself, with no key and the run log kept out of the checkout.
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, report, timeProcess } from './lib.mjs';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export function benchLoomTest() {
  const home = mkdtempSync(join(tmpdir(), 'loom-bench-test-'));
  const env = { PATH: process.env.PATH, HOME: home, LOOM_HOME: join(home, 'loom'), XDG_STATE_HOME: join(home, 'state') };
  try {
    const listed = spawnSync(process.execPath, [loom, 'test', '--replay', '--json'], { cwd: repo, env, encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`loom test --replay failed: ${listed.stderr}${listed.stdout}`);
    const tests = JSON.parse(listed.stdout).tests.length;
    const name = `loom test --replay (${tests} tests)`;
    const options = { cwd: repo, env, expectStatus: 0 };
    const medians = compare(() => timeProcess(process.execPath, ['-e', '0'], { env }), [{ name, run: () => timeProcess(process.execPath, [loom, 'test', '--replay'], options) }], 11);
    report('loom test over the example agents (median wall time, ratio to node -e 0)', medians);
    const perTest = medians[name] / (medians.baseline * tests);
    console.log(`  ratio to node -e 0 × ${tests} tests      ${perTest.toFixed(2)}×  (goal < 2 s on 2 cores: ${medians[name] < 2000 ? 'met' : 'NOT met'})`);
    return { tests, ms: medians[name], perTest };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchLoomTest();
