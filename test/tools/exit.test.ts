import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { alive, makeSandbox, waitFor } from './helpers.js';

const TOOLS = fileURLToPath(new URL('../../src/tools/index.ts', import.meta.url));
const CUSTOM = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/**
 * Loom's error boundary ends the process with `process.exit`, with no chance to close the tool
 * set. Whatever the tools started must not outlive it: a stdio MCP server that keeps running when
 * its stdin ends and ignores SIGTERM, and a command (with a background child) still running.
 */
describe('when Loom exits without closing the tool set', () => {
  it('its MCP servers and running commands are killed', async () => {
    const { workspace, root } = await makeSandbox();
    const script = join(root, 'exit.mts');
    await writeFile(
      script,
      `import { readFile } from 'node:fs/promises';
import { createToolSet, mcpProcessIds } from ${JSON.stringify(TOOLS)};
const workspace = ${JSON.stringify(workspace)};
const set = await createToolSet({
  builtins: ['run_command'], workspace, configDir: workspace, env: process.env, allow: [], yes: true, shell: true,
  mcpServers: { stubborn: { command: process.execPath, args: [${JSON.stringify(CUSTOM)}, '--ignore-sigterm', '--linger'] } },
});
void set.call({ id: '1', name: 'run_command', input: { command: 'sleep 30 & echo $! > bg.pid; sleep 30' } });
let background;
while (!(background = await readFile(workspace + '/bg.pid', 'utf8').catch(() => ''))) await new Promise((r) => setTimeout(r, 20));
console.log(JSON.stringify({ mcp: mcpProcessIds(set).stubborn, background: Number(background) }));
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
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const child = spawn(process.execPath, [bundle], { env: { ...process.env, NODE_PATH: NODE_MODULES }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(1);
    const { mcp, background } = JSON.parse(stdout) as { mcp: number; background: number };
    expect(mcp).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(mcp) && !alive(background), 3000)).toBe(true);
  });
});
