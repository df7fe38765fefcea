// Start-up: `loom --help` and `loom config validate --no-keys` on a generated 50-agent project,
// each against bare `node -e 0` (CONTRACT goals: --help ≤ 1.5×, validate ≤ 2.5×).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, report, timeProcess } from './lib.mjs';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));

function generateProject(agents) {
  const root = mkdtempSync(join(tmpdir(), 'loom-bench-'));
  writeFileSync(join(root, 'loom.config.json'), JSON.stringify({ defaultProvider: 'mock', providers: { local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' } } }));
  for (let i = 0; i < agents; i++) {
    const dir = join(root, 'agents', `agent-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'prompt.md'), 'Summarise for {{audience}}:\n\n{{input}}\n');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        description: `agent ${i}`,
        provider: i % 2 ? 'mock' : 'local',
        promptFile: 'prompt.md',
        inputs: { audience: { default: 'engineers' } },
        tools: ['read_file', 'list_files'],
        output: i % 5 === 0 ? { schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] } } : undefined,
      }),
    );
  }
  return root;
}

export function benchStartup() {
  const project = generateProject(50);
  const env = { PATH: process.env.PATH, HOME: project };
  try {
    // The baseline gets the same environment: variables such as NODE_EXTRA_CA_CERTS cost start-up time.
    const medians = compare(() => timeProcess(process.execPath, ['-e', '0'], { env }), [
      { name: 'loom --help', run: () => timeProcess(process.execPath, [loom, '--help'], { env, expectStatus: 0 }) },
      { name: 'loom config validate (50 agents)', run: () => timeProcess(process.execPath, [loom, 'config', 'validate', '--no-keys'], { cwd: project, env, expectStatus: 0 }) },
    ], 41); // 41 interleaved runs: the medians of short processes move with the machine's noise
    report('start-up (median wall time, ratio to node -e 0)', medians, { 'loom --help': 1.5, 'loom config validate (50 agents)': 2.5 });
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
