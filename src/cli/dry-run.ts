import type { RunPlan } from '../core/plan.js';
import type { DryRunWire } from '../engine/dry-run-wire.js';
import { droppedSettingsWarning } from '../engine/execute-plan.js';
import { displayUrl } from '../output/display-url.js';
import { sandboxKind } from '../tools/command-sandbox.js';
import type { CommandContext } from './context.js';

/**
 * `--dry-run` (CONTRACT §10): the provider chain that would be tried and the request itself,
 * normalized and as the first provider's wire body — what would be sent, and to whom. No key is
 * needed, no SDK is loaded, nothing is sent; keys are redacted on output anyway.
 */
export async function printDryRun(ctx: CommandContext, plan: RunPlan): Promise<number> {
  const dropped = plan.chain[0] && droppedSettingsWarning(plan, plan.chain[0]);
  if (dropped) ctx.io.warn(dropped);
  const { dryRunWire } = await import('../engine/dry-run-wire.js');
  ctx.io.json(dryRunView(plan, ctx.env, await dryRunWire(plan)));
  return 0;
}

function dryRunView(plan: RunPlan, env: NodeJS.ProcessEnv, wire: DryRunWire) {
  return {
    agent: plan.agent,
    providers: plan.chain.map((entry) => ({
      name: entry.provider.name,
      type: entry.provider.type,
      model: entry.model,
      baseUrl: displayUrl(entry.provider.baseUrl) ?? null,
      // The plan holds no key, only where it would come from: set exactly when it has a source.
      keySet: entry.provider.keySource !== null,
      keySource: entry.provider.keySource,
      retry: entry.retry,
      timeoutMs: entry.timeoutMs,
      ...(entry.params ? { params: entry.params } : {}),
      ...(entry.unusable ? { skipped: entry.unusable } : {}),
    })),
    request: { model: plan.chain[0]?.model, ...plan.request, stream: plan.stream },
    ...wire,
    maxSteps: plan.maxSteps,
    maxCost: plan.maxCost,
    tools: plan.tools,
    // How run_command would run: in bubblewrap, or unsandboxed (off, unavailable, or no run_command).
    sandbox: sandboxKind(plan.tools, env),
  };
}
