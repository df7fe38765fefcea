/**
 * `config validate` and the runtime load take the same steps (find.ts, validate/check-file.ts):
 * for a file that breaks the syntax or the schema, the error a command stops with is the first
 * error `config validate` reports for that file, at the same place, in the same words.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgent, loadProject } from '../../src/config/load.js';
import { validateProject } from '../../src/config/validate/validate-project.js';
import { makeWorkspace, type FileContent } from '../support/workspace.js';

const cleanEnv = (root: string): NodeJS.ProcessEnv => ({ HOME: root, XDG_CONFIG_HOME: join(root, '.xdg') });

const AGENT = 'agents/a/config.json';

const cases: { name: string; files: Record<string, FileContent>; broken: string }[] = [
  { name: 'a syntax error in the project config', files: { 'loom.config.json': '{\n  "defaultProvider": "mock"\n  "agentsDir": "x"\n}\n' }, broken: 'loom.config.json' },
  { name: 'an unknown property and a wrong type', files: { 'loom.config.json': '{\n  "defaultProvider": "mock",\n  "retry": { "retries": "3" },\n  "llm_provider": 1\n}\n' }, broken: 'loom.config.json' },
  { name: 'a property given twice, then a schema problem', files: { 'loom.config.json': '{ "defaultProvider": "mock", "defaultProvider": "mock", "timeoutMs": -1 }' }, broken: 'loom.config.json' },
  { name: 'package.json#loom', files: { 'package.json': { name: 'app', loom: { defaultProvider: 'mock', agentsDir: 3 } } }, broken: 'package.json' },
  { name: 'an agent with a schema problem', files: { 'loom.config.json': { defaultProvider: 'mock' }, [AGENT]: '{\n  "prompt": "x",\n  "temperature": "hot"\n}\n' }, broken: AGENT },
  { name: 'an agent with a syntax error', files: { 'loom.config.json': { defaultProvider: 'mock' }, [AGENT]: '{ "prompt": "x", }' }, broken: AGENT },
];

describe('the runtime load stops at the first error config validate reports', () => {
  it.each(cases)('$name', async ({ files, broken }) => {
    const root = await makeWorkspace(files);
    const report = await validateProject({ cwd: root, env: cleanEnv(root), checkKeys: false });
    const file = report.files.find((entry) => entry.path === join(root, broken));
    const first = file?.problems.find((problem) => problem.severity === 'error');
    expect(first, JSON.stringify(report.files)).toBeDefined();
    const pointer = first!.pointer === null ? '' : `${first!.pointer}: `;

    const loading = (async () => {
      const project = await loadProject({ cwd: root, env: cleanEnv(root) });
      if (broken === AGENT) await loadAgent(project, 'a', root);
    })();
    await expect(loading).rejects.toMatchObject({
      code: 'config_invalid',
      message: `${broken}:${first!.line}:${first!.column}: ${pointer}${first!.message}`,
      hint: 'run `loom config validate` for every problem',
    });
  });
});
