/**
 * The fixture store: files named by the key's first 16 hex digits, written whole (no temporary
 * file left), a damaged file failing loudly, and no fixture ever holding a known secret — in any
 * encoding, named by where the secret came from and never shown.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KnownSecrets } from '../src/core/secrets.js';
import type { ToolFixture } from '../src/fixtures/format.js';
import { FixtureStore } from '../src/fixtures/store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const KEY = 'a'.repeat(16) + 'b'.repeat(48);
const fixture = (output: string): ToolFixture => ({ v: 1, kind: 'tool', key: KEY, turn: 1, recordedAt: '2026-01-01T00:00:00.000Z', loomVersion: '0.1.0', agent: 'bot', occurrence: 0, request: { name: 'fetch_url', input: { url: 'https://example.com' } }, result: { ok: true, output } });

async function store(secrets?: KnownSecrets) {
  const dir = await mkdtemp(join(tmpdir(), 'loom-store-'));
  dirs.push(dir);
  return { dir, store: new FixtureStore({ dir, scope: 'bot', root: dir, secrets }) };
}

describe('FixtureStore', () => {
  it('writes pretty JSON named by the key, with no temporary file left, and reads it back', async () => {
    const { dir, store: s } = await store();
    const path = await s.write(fixture('page'), 'the call');
    expect(path).toBe(join(dir, 'bot', 'aaaaaaaaaaaaaaaa.json'));
    expect(await readdir(join(dir, 'bot'))).toEqual(['aaaaaaaaaaaaaaaa.json']);
    expect(await readFile(path, 'utf8')).toBe(`${JSON.stringify(fixture('page'), null, 2)}\n`);
    expect(await s.read(KEY)).toEqual(fixture('page'));
    expect(s.display(path)).toBe('bot/aaaaaaaaaaaaaaaa.json');
  });

  it('a file with the same 16 digits but another key is not this call\'s; a damaged one fails loudly', async () => {
    const { dir, store: s } = await store();
    await s.write(fixture('page'), 'the call');
    expect(await s.read('a'.repeat(16) + 'c'.repeat(48))).toBeUndefined();
    await mkdir(join(dir, 'bot'), { recursive: true });
    await writeFile(join(dir, 'bot', 'aaaaaaaaaaaaaaaa.json'), '<<<<<<< HEAD\n{');
    await expect(s.read(KEY)).rejects.toMatchObject({ code: 'replay_miss', message: expect.stringContaining('bot/aaaaaaaaaaaaaaaa.json is not a fixture Loom can read') });
  });

  it('refuses a fixture holding a known secret in any encoding, naming it, and writes nothing', async () => {
    const secret = 'literal-key-0123456789abcdef';
    const secrets = new KnownSecrets();
    secrets.add(secret);
    secrets.add(secret, 'providers.x.apiKey'); // named later: the name is kept
    secrets.add(secret, 'OTHER_NAME'); // the first name stays
    expect(secrets.nameOf(secret)).toBe('providers.x.apiKey');
    const { dir, store: s } = await store(secrets);
    for (const output of [secret, Buffer.from(`x${secret}`).toString('base64'), encodeURIComponent(`k=${secret}`), Buffer.from(secret).toString('hex')]) {
      const refused = s.write(fixture(`page: ${output}`), 'the fetch_url call of turn 1 of agent "bot"');
      await expect(refused).rejects.toMatchObject({ code: 'secret_in_fixture', exitCode: 1, message: expect.stringContaining('the value of providers.x.apiKey') });
      await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining(secret) });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('an unnamed secret is called a known secret', async () => {
    const secrets = new KnownSecrets();
    secrets.add('unnamed-secret-0123456789');
    const { store: s } = await store(secrets);
    await expect(s.write(fixture('unnamed-secret-0123456789'), 'the call')).rejects.toMatchObject({ message: 'the call was not recorded: the fixture would hold a known secret (a key or header value of the config)' });
  });
});
