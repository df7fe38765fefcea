// Flat memory (issue 13, CONTRACT §14): `loom batch` with the `mock` provider over a
// 200,000-line input of ~500-byte lines must peak under 200 MB and within 1.3× of a 10,000-line
// one. Peak RSS is read in the child itself (process.resourceUsage at exit), so no external tool
// is needed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const loom = fileURLToPath(new URL('../bin/loom', import.meta.url));
const PEAK = `process.on('exit', () => process.stderr.write('peak-rss ' + process.resourceUsage().maxRSS + '\\n'));`;

async function writeItems(path, count) {
  const out = createWriteStream(path);
  const pad = 'x'.repeat(470);
  for (let i = 0; i < count; i++) if (!out.write(`${JSON.stringify({ input: `item ${i} ${pad}` })}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function peakKb(project, file) {
  const result = spawnSync(process.execPath, ['--require', join(project, 'peak.cjs'), loom, 'batch', 'tp', '--input', file, '--output', 'results.jsonl', '--force', '--concurrency', '16'], { cwd: project, env: { PATH: process.env.PATH, HOME: project }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`loom batch exited ${result.status}: ${result.stderr}`);
  return Number(/peak-rss (\d+)/.exec(result.stderr)?.[1]);
}

export async function benchBatchMemory() {
  const project = mkdtempSync(join(tmpdir(), 'loom-bench-memory-'));
  try {
    writeFileSync(join(project, 'loom.config.json'), JSON.stringify({ defaultProvider: 'mock' }));
    mkdirSync(join(project, 'agents', 'tp'), { recursive: true });
    writeFileSync(join(project, 'agents', 'tp', 'config.json'), JSON.stringify({ prompt: '{{input}}' }));
    writeFileSync(join(project, 'peak.cjs'), PEAK);
    await writeItems(join(project, 'small.jsonl'), 10_000);
    await writeItems(join(project, 'large.jsonl'), 200_000);
    const small = peakKb(project, 'small.jsonl');
    const large = peakKb(project, 'large.jsonl');
    const ratio = large / small;
    console.log('\nbatch memory (mock provider, ~500-byte lines; peak RSS)');
    console.log(`  10,000 lines                     ${(small / 1024).toFixed(0)} MB`);
    console.log(`  200,000 lines                    ${(large / 1024).toFixed(0)} MB  ${ratio.toFixed(2)}× the 10,000-line batch  (goal < 200 MB and ≤ 1.3×: ${large / 1024 < 200 && ratio <= 1.3 ? 'met' : 'NOT met'})`);
    return { smallKb: small, largeKb: large };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBatchMemory();
