/**
 * CONTRACT §12 end to end, through the built CLI and the real SDKs: runs recorded against the fake
 * provider server, then replayed with the server closed, no key set and any socket use failing
 * the process (test/fixtures/replay/no-network.cjs). Misses explain themselves; fixtures hold no
 * key or header; modes come from flags or LOOM_FIXTURES.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runLoom, type CliResult } from '../support/cli.js';
import { FakeProviderServer, openaiWire } from '../support/fake-provider-server.js';
import { DIALECTS, agentWorkspace, dialect } from './agent-helpers.js';
import { loadedBundleFiles } from '../support/loaded-modules.js';
import { KEYS, logLines, loom, OPENAI_PATH } from './run-helpers.js';

const NO_NETWORK = fileURLToPath(new URL('../fixtures/replay/no-network.cjs', import.meta.url));

/** `loom` as CI runs a replay: no key at all, and any socket use fails the process. */
function offline(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runLoom(args, { cwd, env: { NODE_OPTIONS: `--require ${NO_NETWORK}`, ...env } });
}

/** Every fixture file under the workspace's fixtures folder, path → parsed. */
async function fixtures(cwd: string, folder = 'loom-fixtures'): Promise<Map<string, any>> {
  const found = new Map<string, any>();
  const root = join(cwd, folder);
  if (!existsSync(root)) return found;
  for (const scope of await readdir(root)) {
    for (const name of await readdir(join(root, scope))) found.set(`${scope}/${name}`, JSON.parse(await readFile(join(root, scope, name), 'utf8')));
  }
  return found;
}

async function started(): Promise<FakeProviderServer> {
  return FakeProviderServer.start();
}

describe.each(DIALECTS)('record on $type, replay offline', (d) => {
  it('the same stdout, tool loop and usage, with zero requests; --no-stream and --json too; the files hold no key or header', async () => {
    const server = await started();
    let cwd: string;
    let recorded: CliResult;
    let recordedJson: any;
    try {
      cwd = await agentWorkspace(server, { provider: d.name, tools: ['read_file'] }, { 'notes.md': 'the notes\n' });
      server.enqueue(d.path, d.toolTurn([{ id: 'call_1', name: 'read_file', input: { path: 'notes.md' } }], 'Let me look.', { input: 20, output: 8 }), d.textTurn('They say: the notes.', { input: 40, output: 6 }));
      recorded = await loom(['run', 'bot', '--record'], cwd);
      expect(recorded.code, recorded.stderr).toBe(0);
      // The same calls, again live, for the --json figures (rerecord rewrites the same files).
      server.enqueue(d.path, d.toolTurn([{ id: 'call_2', name: 'read_file', input: { path: 'notes.md' } }], 'Let me look.', { input: 20, output: 8 }), d.textTurn('They say: the notes.', { input: 40, output: 6 }));
      const before = [...(await fixtures(cwd)).keys()].sort();
      const rerecorded = await loom(['run', 'bot', '--rerecord', '--json'], cwd);
      expect(rerecorded.code, rerecorded.stderr).toBe(0);
      recordedJson = JSON.parse(rerecorded.stdout);
      expect([...(await fixtures(cwd)).keys()].sort()).toEqual(before);
    } finally {
      await server.close();
    }
    const requests = server.requests.length;
    expect(requests).toBe(4);

    const replay = await offline(['run', 'bot', '--replay'], cwd);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toBe(recorded.stdout);
    expect(replay.stdout).toBe('Let me look.\nThey say: the notes.\n');
    expect(replay.stderr).not.toContain('no-network');

    const whole = await offline(['run', 'bot', '--replay', '--no-stream'], cwd);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toBe(recorded.stdout);

    const json = await offline(['run', 'bot', '--replay', '--json'], cwd);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ ok: true, replayed: true, provider: d.name, steps: 2, toolCalls: [{ name: 'read_file', ok: true }], text: 'They say: the notes.' });
    expect(recordedJson.replayed).toBe(false);
    for (const field of ['usage', 'costUsd', 'steps', 'toolCalls', 'text', 'model']) expect(doc[field], field).toEqual(recordedJson[field]);
    expect(server.requests.length).toBe(requests);

    const files = await fixtures(cwd);
    expect([...files.values()].map((f) => f.kind).sort()).toEqual(['model', 'model', 'tool']);
    const text = [...files.values()].map((f) => JSON.stringify(f)).join('\n');
    for (const value of Object.values(KEYS)) expect(text).not.toContain(value);
    for (const header of ['authorization', 'x-api-key', 'x-goog-api-key', 'anthropic-version', 'req_fake', 'request-id']) expect(text.toLowerCase()).not.toContain(header);
    expect(text).not.toContain('"stream"');
    // The model's ids stay in the recorded answer, but not in the requests the keys are made of.
    const second = [...files.values()].find((f) => f.kind === 'model' && f.turn === 2);
    expect(second.request.messages[2]).toMatchObject({ role: 'tool', toolCallId: '#1', toolName: 'read_file' });
  });
});

describe('a miss explains itself', () => {
  const recordOne = async (agent: Record<string, unknown>, files: Record<string, string>, turns: (d: ReturnType<typeof dialect>) => any[]) => {
    const server = await started();
    const d = dialect('oai');
    try {
      const cwd = await agentWorkspace(server, agent, files);
      server.enqueue(d.path, ...turns(d));
      const result = await loom(['run', 'bot', '--record'], cwd);
      expect(result.code, result.stderr).toBe(0);
      return cwd;
    } finally {
      await server.close();
    }
  };

  it('a changed prompt: the nearest fixture and the pointer, then the hint; exit 1; --json carries the same in error.details', async () => {
    const cwd = await recordOne({ prompt: 'Do the task.' }, {}, (d) => [d.textTurn('Done.')]);
    await writeFile(join(cwd, 'agents/bot/config.json'), JSON.stringify({ prompt: 'Do another task.' }));
    const miss = await offline(['run', 'bot', '--replay'], cwd);
    expect(miss.code).toBe(1);
    expect(miss.stdout).toBe('');
    const lines = miss.stderr.trim().split('\n');
    expect(lines[0]).toBe('loom: error: no fixture for turn 1 of agent "bot" (oai, gpt-5.4-mini)');
    expect(lines[1]).toMatch(/^ {2}nearest: loom-fixtures\/bot\/[0-9a-f]{16}\.json \(recorded \d{4}-\d\d-\d\dT/);
    expect(lines[2]).toBe('  /messages/0/content (user message: "Do the task." → "Do another task.")');
    expect(lines.at(-1)).toMatch(/^hint: .*--record/);

    const json = await offline(['run', 'bot', '--replay', '--json'], cwd);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ ok: false, replayed: false, error: { code: 'replay_miss', message: 'no fixture for turn 1 of agent "bot" (oai, gpt-5.4-mini)' } });
    expect(doc.error.details).toEqual([lines[1]!.trim(), lines[2]!.trim()]);
  });

  it('a changed tool result names the tool and the lengths', async () => {
    const cwd = await recordOne({ tools: ['read_file'] }, { 'notes.md': 'x'.repeat(1204) }, (d) => [d.toolTurn([{ id: 'c1', name: 'read_file', input: { path: 'notes.md' } }]), d.textTurn('Read.')]);
    await writeFile(join(cwd, 'notes.md'), 'y'.repeat(1377));
    const miss = await offline(['run', 'bot', '--replay'], cwd);
    expect(miss.code).toBe(1);
    expect(miss.stderr).toContain('loom: error: no fixture for turn 2 of agent "bot" (oai, gpt-5.4-mini)');
    expect(miss.stderr).toContain('  /messages/2/content (tool read_file result: 1204 → 1377 chars)\n');
  });

  it('a changed output schema names the pointer into the schema', async () => {
    const schema = (type: string) => ({ type: 'object', properties: { title: { type } }, required: ['title'] });
    const cwd = await recordOne({ output: { schema: schema('string') } }, {}, (d) => [d.textTurn('{"title":"x"}')]);
    await writeFile(join(cwd, 'agents/bot/config.json'), JSON.stringify({ prompt: 'Do the task.', output: { schema: schema('number') } }));
    const miss = await offline(['run', 'bot', '--replay'], cwd);
    expect(miss.code).toBe(1);
    expect(miss.stderr).toContain('  /responseSchema/properties/title/type ("string" → "number")\n');
  });
});

describe('secrets, fallback, auto, modes', () => {
  it('a fixture that would hold a known secret is refused: exit 1, the variable named, nothing written, nothing sent', async () => {
    const server = await started();
    try {
      const cwd = await agentWorkspace(server, {});
      const planted = 'planted-0123456789abcdefXYZ';
      const result = await loom(['run', 'bot', '--record', `use ${planted}`], cwd, { env: { DEPLOY_TOKEN: planted } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('DEPLOY_TOKEN');
      expect(result.stderr).toMatch(/^loom: error: .*DEPLOY_TOKEN/m);
      expect(result.stderr + result.stdout).not.toContain(planted);
      expect((await fixtures(cwd)).size).toBe(0);
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('a fallback recorded under record replays', async () => {
    const server = await started();
    let cwd: string;
    let recorded: CliResult;
    try {
      cwd = await agentWorkspace(server, {}, {}, { fallback: ['compat'] });
      server.enqueue(OPENAI_PATH, openaiWire.error(503, 'overloaded'), openaiWire.error(503, 'overloaded'), openaiWire.error(503, 'overloaded'), dialect('compat').textTurn('From the fallback.'));
      recorded = await loom(['run', 'bot', '--record'], cwd);
      expect(recorded.code, recorded.stderr).toBe(0);
      expect(recorded.stdout).toBe('From the fallback.\n');
    } finally {
      await server.close();
    }
    const replay = await offline(['run', 'bot', '--replay', '--json'], cwd);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ ok: true, text: 'From the fallback.', provider: 'compat', fallbackFrom: ['oai'], replayed: true });
  });

  it('auto under replay with no key set: the first of anthropic, openai, gemini that has a fixture', async () => {
    const server = await started();
    let cwd: string;
    const env = { OPENAI_BASE_URL: `${server.url}/v1` };
    try {
      cwd = await agentWorkspace(server, {}, {}, { defaultProvider: 'auto' });
      server.enqueue(OPENAI_PATH, dialect('oai').textTurn('Picked openai.'));
      const recorded = await loom(['run', 'bot', '--record'], cwd, { env: { ...env, OPENAI_API_KEY: 'sk-auto-0123456789abcdef' } });
      expect(recorded.code, recorded.stderr).toBe(0);
    } finally {
      await server.close();
    }
    const replay = await offline(['run', 'bot', '--replay', '--json'], cwd, env);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ ok: true, provider: 'openai', text: 'Picked openai.', fallbackFrom: [], replayed: true });
    // Live, the same project without a key cannot run at all.
    const live = await offline(['run', 'bot'], cwd, env);
    expect(live.code).toBe(2);
  });

  it('LOOM_FIXTURES picks the mode, flags win, an unknown value or two flags are usage errors; --cache writes to .loom/cache only', async () => {
    const server = await started();
    let cwd: string;
    try {
      cwd = await agentWorkspace(server, { log: false });
      server.enqueue(OPENAI_PATH, dialect('oai').textTurn('Cached.'));
      const cached = await loom(['run', 'bot', '--cache'], cwd);
      expect(cached.code, cached.stderr).toBe(0);
      expect((await fixtures(cwd)).size).toBe(0);
      expect((await fixtures(cwd, '.loom/cache')).size).toBe(1);
      // "log": false: the fixtures hold what the log does not.
      expect(cached.stderr).toMatch(/"log": false.*fixtures hold/);

      server.enqueue(OPENAI_PATH, dialect('oai').textTurn('Recorded.'));
      const recorded = await loom(['run', 'bot'], cwd, { env: { LOOM_FIXTURES: 'record' } });
      expect(recorded.code, recorded.stderr).toBe(0);
      expect((await fixtures(cwd)).size).toBe(1);
    } finally {
      await server.close();
    }
    // --replay reads only the fixtures folder (Recorded., not Cached.).
    const replay = await offline(['run', 'bot'], cwd, { LOOM_FIXTURES: 'replay' });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toBe('Recorded.\n');
    // A flag wins over the variable: --cache serves the cached answer, not the recorded one (a
    // recording mode may go live, so it needs the key; the server is gone and sockets fail).
    const flagWins = await offline(['run', 'bot', '--cache'], cwd, { ...KEYS, LOOM_FIXTURES: 'replay' });
    expect(flagWins.stdout).toBe('Cached.\n');

    const bad = await offline(['run', 'bot'], cwd, { LOOM_FIXTURES: 'sometimes' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^loom: error: LOOM_FIXTURES/m);
    const two = await offline(['run', 'bot', '--replay', '--record'], cwd);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('cannot be used with');
  });

  it('--verbose says each call was replayed and from which file; the run log says replayed', async () => {
    const server = await started();
    let cwd: string;
    try {
      cwd = await agentWorkspace(server, {});
      server.enqueue(OPENAI_PATH, dialect('oai').textTurn('Logged.'));
      expect((await loom(['run', 'bot', '--record'], cwd)).code).toBe(0);
    } finally {
      await server.close();
    }
    const [file] = [...(await fixtures(cwd)).keys()];
    const replay = await offline(['--verbose', 'run', 'bot', '--replay'], cwd);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toContain(`loom: replayed oai (gpt-5.4-mini) turn 1 from loom-fixtures/${file}`);
    const log = await logLines(cwd);
    expect(log.map((line) => line.replayed)).toEqual([false, true]);
  });

  it('ask records under _ask', async () => {
    const server = await started();
    let cwd: string;
    try {
      cwd = await agentWorkspace(server, {});
      server.enqueue(OPENAI_PATH, dialect('oai').textTurn('Asked.'));
      expect((await loom(['ask', '--record', 'hello'], cwd)).code).toBe(0);
    } finally {
      await server.close();
    }
    expect([...(await fixtures(cwd)).keys()][0]).toMatch(/^_ask\/[0-9a-f]{16}\.json$/);
    const replay = await offline(['ask', '--replay', 'hello'], cwd);
    expect(replay.stdout).toBe('Asked.\n');
    const miss = await offline(['ask', '--replay', 'goodbye'], cwd);
    expect(miss.stderr).toContain('loom: error: no fixture for turn 1 of loom ask (oai, gpt-5.4-mini)');
  });
});

describe('what replay loads', () => {
  it('no SDK for any provider type, and no fixture code at all in a run without a mode', async () => {
    const server = await started();
    let cwd: string;
    try {
      cwd = await agentWorkspace(server, {});
      for (const d of DIALECTS.filter((d) => d.name !== 'compat')) {
        server.enqueue(d.path, d.textTurn(`From ${d.name}.`));
        const recorded = await loom(['ask', '--record', '-p', d.name, 'hi'], cwd);
        expect(recorded.code, recorded.stderr).toBe(0);
      }
    } finally {
      await server.close();
    }
    const replayed = await loadedBundleFiles(cwd, ['oai', 'claude', 'gem'].map((provider) => ['ask', '--replay', '-p', provider, 'hi']));
    expect(replayed.some(({ source }) => source.includes('no fixture for'))).toBe(true);
    for (const { url, source } of replayed) {
      // The three SDK clients' own constants: none may be loaded by a replay.
      for (const marker of ['anthropic-version', 'https://api.openai.com/v1', 'generativelanguage.googleapis.com']) expect(source.includes(marker), `${url} holds ${marker}`).toBe(false);
    }
    const plain = await loadedBundleFiles(cwd, [['ask', '-p', 'mock', 'hi'], ['--help']]);
    for (const { url, source } of plain) expect(source.includes('no fixture for'), `${url} holds the fixture code`).toBe(false);
  }, 30_000);
});
