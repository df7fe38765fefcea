/**
 * An allowed command that names a path outside the workspace or a protected path needs approval
 * again (CONTRACT §11, §19): `run_command:git log` must not approve `git log --output=/anywhere`.
 */
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandGate } from '../../src/tools/command-approval.js';
import { toArgv } from '../../src/tools/command-line.js';
import { protectedPaths } from '../../src/tools/protected-paths.js';
import { call, makeSandbox, tools } from './helpers.js';

async function gateFor(command: string, shell = false) {
  const { workspace, outside } = await makeSandbox({ 'src/a.ts': 'a\n' });
  await mkdir(join(workspace, 'agents'), { recursive: true });
  await symlink(outside, join(workspace, 'out-link'));
  const context = { workspace, shell, protectedPaths: protectedPaths({ workspace, folders: [join(workspace, 'agents')], files: [] }) };
  const argv = shell ? ['/bin/sh', '-c', command] : toArgv(command);
  return commandGate(command, argv, context);
}

describe('arguments that name paths', () => {
  it.each([
    ['git log --output=/tmp/x', 'names a path outside the workspace: /tmp/x'],
    ['git log --output /tmp/x', 'names a path outside the workspace: /tmp/x'],
    ['git log -o /etc/cron.d/x', 'names a path outside the workspace: /etc/cron.d/x'],
    ['git log -o/etc/x', 'names a path outside the workspace: /etc/x'],
    ['git log ../sibling/file', 'names a path outside the workspace: ../sibling/file'],
    ['git log src/../../x', 'names a path outside the workspace: src/../../x'],
    ['git log ~/.bashrc', 'names a path outside the workspace: ~/.bashrc'],
    ['git log out-link/x', 'names a path outside the workspace: out-link/x'],
    ['git log --output=.git/hooks/pre-commit', 'names a protected path: .git/'],
    ['git log .env', 'names a protected path: .env file'],
    ['git log sub/package.json', 'names a protected path: package.json'],
    ['git log agents/bot/config.json', 'names a protected path: agents/'],
  ])('`%s` needs approval again whatever `allow` says: %s', async (command, because) => {
    const gate = await gateFor(command);
    expect(gate).toMatchObject({ kind: 'approval', by: ['yes', 'user'], because });
    if (gate.kind === 'approval') expect(gate.allows('run_command:git log')).toBe(false);
  });

  it.each(['git log --oneline -n 5', 'git log src/a.ts', 'git diff HEAD~1..main', 'git log --output=/dev/null', '/usr/bin/git log', 'npm test -- --grep=a/b'])('`%s` is approved by run_command:<prefix>', async (command) => {
    const gate = await gateFor(command);
    expect(gate).toMatchObject({ kind: 'approval', by: ['yes', 'allow', 'user'] });
    if (gate.kind === 'approval') expect(gate.allows(`run_command:${command.split(' ').slice(0, 2).join(' ')}`)).toBe(true);
  });

  it('through a shell, the words of the line are judged, and the question shows the exact vector', async () => {
    const gate = await gateFor('npm test > /etc/x', true);
    expect(gate).toMatchObject({ because: 'names a path outside the workspace: /etc/x', question: "run_command: '/bin/sh' '-c' 'npm test > /etc/x'" });
  });

  it('end to end: allowed `git log` with --output outside is refused without a terminal, approved with --yes', async () => {
    const { workspace, root } = await makeSandbox();
    const target = join(root, 'written-by-git.txt');
    const allowed = await tools(workspace, { allow: ['run_command:node -e'], sandbox: false });
    const refused = await call(allowed, 'run_command', { command: `node -e "require('fs').writeFileSync(process.argv[1], 'x')" ${target}` });
    expect(refused.output).toMatch(/^refused: run_command: 'node' '-e' .* \(names a path outside the workspace: .*written-by-git\.txt\) needs approval/);
    const yes = await tools(workspace, { allow: ['run_command:node -e'], yes: true, sandbox: false });
    expect((await call(yes, 'run_command', { command: `node -e "require('fs').writeFileSync(process.argv[1], 'x')" ${target}` })).ok).toBe(true);
  });
});
