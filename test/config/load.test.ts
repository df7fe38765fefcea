import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfig } from '../../src/config/find.js';
import { discoverAgents, loadAgent, loadProject } from '../../src/config/load.js';
import { LoomError } from '../../src/core/errors.js';
import { makeWorkspace, writeFiles } from '../support/workspace.js';

/** An environment with nothing of the developer's in it. */
const cleanEnv = (root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ HOME: root, XDG_CONFIG_HOME: join(root, '.xdg'), ...extra });

describe('finding the project config', () => {
  it('searches upward from the cwd', async () => {
    const root = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' }, 'a/b/c/.keep': '' });
    const found = await findConfig(join(root, 'a/b/c'), cleanEnv(root));
    expect(found?.path).toBe(join(root, 'loom.config.json'));
    expect(found?.pointerPrefix).toBe('');
  });

  it('finds .loomrc, .loomrc.json and package.json#loom, nearest first', async () => {
    const root = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'openai' },
      'rc/.loomrc': '{ "defaultProvider": "mock" }',
      'rcjson/.loomrc.json': { defaultProvider: 'mock' },
      'pkg/package.json': { name: 'x', loom: { defaultProvider: 'mock' } },
      'plainpkg/package.json': { name: 'y' },
    });
    expect((await findConfig(join(root, 'rc'), cleanEnv(root)))?.path).toBe(join(root, 'rc/.loomrc'));
    expect((await findConfig(join(root, 'rcjson'), cleanEnv(root)))?.path).toBe(join(root, 'rcjson/.loomrc.json'));
    const pkg = await findConfig(join(root, 'pkg'), cleanEnv(root));
    expect(pkg?.path).toBe(join(root, 'pkg/package.json'));
    expect(pkg?.pointerPrefix).toBe('/loom');
    // A package.json without a `loom` key is not a config: the search goes on upward.
    expect((await findConfig(join(root, 'plainpkg'), cleanEnv(root)))?.path).toBe(join(root, 'loom.config.json'));
  });

  it('prefers --config, relative to the cwd, and fails clearly when it is missing', async () => {
    const root = await makeWorkspace({ 'loom.config.json': {}, 'other/custom.json': { defaultProvider: 'mock' } });
    expect((await findConfig(root, cleanEnv(root), 'other/custom.json'))?.path).toBe(join(root, 'other/custom.json'));
    const error = await findConfig(root, cleanEnv(root), 'nope.json').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LoomError);
    expect((error as LoomError).code).toBe('config_invalid');
    expect((error as LoomError).message).toBe('config file not found: nope.json');
  });

  it('falls back to the user config, then to none', async () => {
    const root = await makeWorkspace({ '.xdg/loom/config.json': { defaultProvider: 'mock' }, 'project/.keep': '' });
    expect((await findConfig(join(root, 'project'), cleanEnv(root)))?.path).toBe(join(root, '.xdg/loom/config.json'));
    const bare = await makeWorkspace({});
    expect(await findConfig(bare, cleanEnv(bare))).toBeNull();
  });
});

describe('loading a project', () => {
  it('loads .env beside the config without overriding the environment', async () => {
    const root = await makeWorkspace({
      'loom.config.json': { providers: { claude: { type: 'anthropic', apiKey: '${MY_KEY}', model: '${MODEL:-claude-haiku-5-5}' } } },
      '.env': 'MY_KEY=sk-test-from-dotenv\nALREADY=from-dotenv\n',
      'sub/.keep': '',
    });
    const env = cleanEnv(root, { ALREADY: 'from-env' });
    const project = await loadProject({ cwd: join(root, 'sub'), env });
    expect(env.MY_KEY).toBe('sk-test-from-dotenv');
    expect(env.ALREADY).toBe('from-env');
    expect(project.dotenvNames).toEqual(['MY_KEY']);
    expect(project.rootDir).toBe(root);
    // Interpolated config, and the raw one kept for validation.
    expect(project.config.providers?.claude?.apiKey).toBe('sk-test-from-dotenv');
    expect(project.config.providers?.claude?.model).toBe('claude-haiku-5-5');
    expect(project.raw.providers?.claude?.apiKey).toBe('${MY_KEY}');
  });

  it('reads .env from the cwd when there is no config file', async () => {
    const root = await makeWorkspace({ '.env': 'LOOM_PROVIDER=mock\n' });
    const env = cleanEnv(root);
    const project = await loadProject({ cwd: root, env });
    expect(project.file).toBeNull();
    expect(env.LOOM_PROVIDER).toBe('mock');
    expect(project.agentsDir).toBe(join(root, 'agents'));
  });

  it('reads the config inside package.json#loom', async () => {
    const root = await makeWorkspace({ 'package.json': { name: 'app', loom: { agentsDir: 'prompts' } } });
    const project = await loadProject({ cwd: root, env: cleanEnv(root) });
    expect(project.agentsDir).toBe(join(root, 'prompts'));
  });

  it('reports a syntax error with file, line and column', async () => {
    const root = await makeWorkspace({ 'loom.config.json': '{\n  "defaultProvider": "mock"\n  "agentsDir": "x"\n}\n' });
    const error = (await loadProject({ cwd: root, env: cleanEnv(root) }).catch((caught: unknown) => caught)) as LoomError;
    expect(error.code).toBe('config_invalid');
    expect(error.message).toMatch(/^loom\.config\.json:3:3: /);
    expect(error.hint).toContain('loom config validate');
  });
});

describe('agents', () => {
  it('discovers agent folders holding a config.json, sorted', async () => {
    const root = await makeWorkspace({
      'loom.config.json': { agentsDir: 'team-agents' },
      'team-agents/zeta/config.json': {},
      'team-agents/alpha/config.json': { description: 'first' },
      'team-agents/notes/readme.md': 'not an agent',
    });
    const project = await loadProject({ cwd: root, env: cleanEnv(root) });
    expect((await discoverAgents(project.agentsDir)).map((agent) => agent.name)).toEqual(['alpha', 'zeta']);
    expect((await loadAgent(project, 'alpha', root)).config.description).toBe('first');
  });

  it('an unknown agent is unknown_agent with a did-you-mean', async () => {
    const root = await makeWorkspace({ 'agents/summarize/config.json': {} });
    const project = await loadProject({ cwd: root, env: cleanEnv(root) });
    const error = (await loadAgent(project, 'sumarize', root).catch((caught: unknown) => caught)) as LoomError;
    expect(error.code).toBe('unknown_agent');
    expect(error.message).toBe('unknown agent "sumarize"');
    expect(error.hint).toContain('did you mean "summarize"?');
  });

  it('interpolates ${VAR} in agent configs', async () => {
    const root = await makeWorkspace({ 'agents/a/config.json': { model: '${AGENT_MODEL}', description: '${MISSING:-fallback text}' } });
    await mkdir(join(root, 'x'), { recursive: true });
    const project = await loadProject({ cwd: root, env: cleanEnv(root, { AGENT_MODEL: 'gpt-5.4' }) });
    const agent = await loadAgent(project, 'a', root);
    expect(agent.config.model).toBe('gpt-5.4');
    expect(agent.config.description).toBe('fallback text');
    await writeFiles(root, {});
  });
});
