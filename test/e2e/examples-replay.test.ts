/**
 * Issue 12's "done when": the repository's example agents have test cases and committed fixtures,
 * and `loom test` replays them as CI would — `CI` set, no key, any socket use failing the process
 * — and passes. A changed test-data file is a miss that names the tool result that changed.
 */
import { cp, mkdtemp, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NO_NETWORK = fileURLToPath(new URL('../fixtures/replay/no-network.cjs', import.meta.url));

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-examples-replay-'));
  temps.push(dir);
  return dir;
}

/** `loom` in `cwd` as a CI job runs it: CI set, no key in the environment, no network; state kept out of the checkout. */
async function asCi(args: string[], cwd: string) {
  const home = await temp();
  return runLoom(args, { cwd, env: { CI: 'true', NODE_OPTIONS: `--require ${NO_NETWORK}`, HOME: home, XDG_STATE_HOME: join(home, 'state'), LOOM_HOME: join(home, 'loom') } });
}

describe('the example agents under loom test', () => {
  it('replay from loom-fixtures/ and pass, offline and with no key', async () => {
    const result = await asCi(['test', '--json'], REPO);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.summary).toMatchObject({ passed: 5, failed: 0, errored: 0 });
    expect(report.tests.every((test: { replayed: boolean }) => test.replayed)).toBe(true);
    expect(report.tests.map((test: { agent: string }) => test.agent)).toEqual(['commit-message', 'hello', 'review', 'review', 'summarize']);
    // The review cases read their test data live (read-only tools run under replay), as recorded.
    const review = report.tests.find((test: { name: string }) => test.name === 'flags SQL injection');
    expect(review.toolCalls).toEqual([{ name: 'read_file', ok: true }]);
  });

  it('miss when a file the agent reads has changed, naming the tool result', async () => {
    const copy = await temp();
    for (const part of ['agents', 'loom-fixtures', 'loom.config.json', 'config.schema.json', 'agent.schema.json']) await cp(join(REPO, part), join(copy, part), { recursive: true });
    await appendFile(join(copy, 'agents/review/testdata/users.ts'), '// changed\n');
    const result = await asCi(['test', 'review', '--filter', 'SQL'], copy);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stdout).toContain('! review › flags SQL injection');
    // Its first turn was served, its second was not: the run was not replayed.
    expect(result.stdout).not.toMatch(/flags SQL injection .*replayed/);
    expect(result.stdout).toContain('replay_miss');
    expect(result.stdout).toMatch(/nearest: loom-fixtures\/review\/[0-9a-f]{16}\.json/);
    expect(result.stdout).toMatch(/\/messages\/2\/content \(tool read_file result: \d+ → \d+ chars\)/);
    expect(result.stdout).toContain('hint: re-record with --record');
  });
});
