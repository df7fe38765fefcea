// Helpers for benchmarks that time whole processes. Figures are ratios to a baseline measured in
// the same run, interleaved with it, because machines here are noisy.
import { spawnSync } from 'node:child_process';

export function timeProcess(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== options.expectStatus && options.expectStatus !== undefined) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return elapsed;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Runs each case and the baseline alternately `runs` times (after a warm-up) and returns medians. */
export function compare(baseline, cases, runs = 21) {
  const times = { baseline: [], ...Object.fromEntries(cases.map((c) => [c.name, []])) };
  for (let i = 0; i < runs + 2; i++) {
    const warm = i < 2;
    const base = baseline();
    if (!warm) times.baseline.push(base);
    for (const c of cases) {
      const t = c.run();
      if (!warm) times[c.name].push(t);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
}

export function report(title, medians, goals = {}) {
  const base = medians.baseline;
  console.log(`\n${title}`);
  console.log(`  baseline                         ${base.toFixed(1)} ms`);
  for (const [name, value] of Object.entries(medians)) {
    if (name === 'baseline') continue;
    const ratio = value / base;
    const goal = goals[name];
    const verdict = goal === undefined ? '' : ratio <= goal ? `  (goal ≤ ${goal}×: met)` : `  (goal ≤ ${goal}×: NOT met)`;
    console.log(`  ${name.padEnd(32)} ${value.toFixed(1)} ms  ${ratio.toFixed(2)}×${verdict}`);
  }
}
