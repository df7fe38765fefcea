/**
 * Hostile names and files (CONTRACT §11 "Templates and names", "Bounded work"): templates and
 * lookups see own names only, every setting is checked by the schema before use, and a config
 * nested absurdly deep is a config error — never a crash of Loom or a silent wrong value.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace } from '../support/workspace.js';
import { loom } from './run-helpers.js';
import { INTERNAL_ERROR } from '../../src/cli/report-error.js';

const mockProject = { defaultProvider: 'mock' };

describe('templates and names', () => {
  it('{{constructor}} with no such variable is missing_variable, not Object\'s constructor', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': mockProject, 'agents/t/config.json': { prompt: 'Hello {{constructor}} and {{toString}}' } });
    const result = await loom(['run', 't', '--json'], cwd);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'missing_variable', message: expect.stringContaining('{{constructor}}') } });
    const given = await loom(['run', 't', '--json', '--var', 'constructor=you', '--var', 'toString=me', '--var', '__proto__=x'], cwd);
    expect(given.code, given.stderr).toBe(0);
    expect(JSON.parse(given.stdout).text).toBe('Hello you and me');
  });

  it('an input named __proto__ is a variable like any other', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': mockProject, 'agents/p/config.json': { prompt: 'Say {{__proto__}}', inputs: { __proto__: { default: 'proto' } } } });
    // JSON.stringify would drop the key: write the file by hand.
    await writeFile(join(cwd, 'agents/p/config.json'), '{ "prompt": "Say {{__proto__}}", "inputs": { "__proto__": { "default": "proto" } } }');
    const result = await loom(['run', 'p', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).text).toBe('Say proto');
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('-p %s is unknown_provider', async (name) => {
    const cwd = await makeWorkspace({ 'loom.config.json': mockProject });
    const result = await loom(['ask', '-p', name, '--json', 'hi'], cwd);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'unknown_provider', message: `unknown provider "${name}"` } });
  });
});

describe('every setting is checked by the schema before use', () => {
  it.each([
    ['"maxSteps": "many"', { maxSteps: 'many' }, '/maxSteps: must be an integer (got a string)'],
    ['"timeoutMs" above 2^31 - 1', { timeoutMs: 3_000_000_000 }, '/timeoutMs: must be at most 2147483647'],
    ['"tools": "read_file"', { tools: 'read_file' }, '/tools: must be an array'],
    ['"temperature": "0.3"', { temperature: '0.3' }, '/temperature: must be a number'],
    ['a typo of promptFile', { promptFlie: 'prompt.md' }, 'unknown property "promptFlie"'],
  ])('an agent with %s is config_invalid (exit 2), its first problem named with its place; nothing is sent', async (_name, agent, message) => {
    const cwd = await makeWorkspace({ 'loom.config.json': mockProject, 'agents/bad/config.json': { prompt: 'x', ...agent } });
    const result = await loom(['run', 'bad'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^loom: error: agents/bad/config\\.json:\\d+:\\d+: .*${message.replace(/[()^$.*+?[\]]/g, '\\$&')}`));
    expect(result.stderr).toContain('hint: run `loom config validate` for every problem');
  });

  it('a project config that breaks the schema stops ask too', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock', fallback: 'anthropic' } });
    const result = await loom(['ask', 'hi'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^loom: error: loom\.config\.json:\d+:\d+: \/fallback: must be an array/);
    expect(result.stderr).not.toContain(INTERNAL_ERROR);
  });

  it('a config nested 100,000 levels deep is config_invalid, not a crash; validate reports it too', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': mockProject });
    const depth = 100_000;
    await writeFile(join(cwd, 'loom.config.json'), `{"defaultProvider":"mock","providers":{"mock":{"params":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}}`);
    const result = await loom(['ask', 'hi'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^loom: error: loom\.config\.json:1:\d+: the file is nested deeper than 100 levels/);
    const validate = await loom(['config', 'validate', '--no-keys'], cwd);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain('the file is nested deeper than 100 levels');
  });
});

describe('credentials in a baseUrl', () => {
  it('are never shown by config show, providers or --dry-run, however short', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'local', providers: { local: { type: 'openai-compatible', baseUrl: 'http://admin:hunter2@127.0.0.1:9/v1', model: 'm' } } },
    });
    for (const args of [['config', 'show'], ['config', 'show', '--json'], ['providers'], ['providers', '--json'], ['ask', '--dry-run', 'hi']]) {
      const result = await loom(args, cwd);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout + result.stderr, args.join(' ')).not.toContain('hunter2');
      expect(result.stdout, args.join(' ')).toContain('http://[redacted]@127.0.0.1:9/v1');
    }
  });
});
