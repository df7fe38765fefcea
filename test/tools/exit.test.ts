import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { esbuildWorkerPlugin } from '../../scripts/worker-source.mjs';
import { allGone, newTag, noSandbox, tagged } from './command-helpers.js';
import { alive, makeSandbox, waitFor } from './helpers.js';

const TOOLS = fileURLToPath(new URL('../../src/tools/index.ts', import.meta.url));
const CUSTOM = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/**
 * Loom's error boundary ends the process with `process.exit`, with no chance to close the tool
 * set. Whatever the tools started must not outlive it: a stdio MCP server that keeps running when
 * its stdin ends and ignores SIGTERM, and a command still running with a background child and a
 * daemon it detached with `setsid` — in the sandbox (where there is one) and without it.
 */
describe.each([
  { mode: noSandbox ? `in the sandbox (none here: ${noSandbox})` : 'in the sandbox', sandbox: true },
  { mode: 'with "sandbox": false', sandbox: false },
])('when Loom exits without closing the tool set, $mode', ({ sandbox }) => {
  it('its MCP servers, running commands and the daemons they detached are killed', async () => {
    const { workspace, root } = await makeSandbox();
    const tag = newTag();
    const script = join(root, 'exit.mts');
    // The MCP server writes its pid there (it gets a minimal environment: the tag does not reach it).
    const pidFile = join(root, 'mcp.pid');
    await writeFile(
      script,
      `import { readFile } from 'node:fs/promises';
import { createToolSet } from ${JSON.stringify(TOOLS)};
const workspace = ${JSON.stringify(workspace)};
const set = await createToolSet({
  builtins: ['run_command'], workspace, configDir: workspace, env: process.env, allow: [], yes: true, shell: true, sandbox: ${sandbox},
  mcpServers: { stubborn: { command: process.execPath, args: [${JSON.stringify(CUSTOM)}, '--ignore-sigterm', '--linger'], env: { LOOM_PID_FILE: ${JSON.stringify(pidFile)} } } },
});
void set.call({ id: '1', name: 'run_command', input: { command: 'sleep 30 & setsid -f sh -c "touch started; exec sleep 30"; sleep 30' } });
while (!(await readFile(workspace + '/started').then(() => true, () => false))) await new Promise((r) => setTimeout(r, 20));
process.exit(1);
`,
    );
    const bundle = join(root, 'exit.mjs');
    await build({
      entryPoints: [script],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
      // The file-search worker is a virtual module, as in scripts/build.mjs.
      plugins: [esbuildWorkerPlugin()],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    // The tag reaches the commands through Loom's environment (the MCP server gets a minimal one).
    const child = spawn(process.execPath, [bundle], { env: { ...process.env, NODE_PATH: NODE_MODULES, LOOM_TEST_TAG: tag }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(1);
    const mcp = Number(await readFile(pidFile, 'utf8'));
    expect(mcp).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(mcp), 3000)).toBe(true);
    // The exit hook is synchronous: every one was sent SIGKILL before the process ended (a loaded
    // machine may take a moment to finish them off).
    expect(await allGone(tag), `still running: ${tagged(tag).join(', ')}`).toBe(true);
  });
});
