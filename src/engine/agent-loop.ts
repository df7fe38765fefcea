import { LoomError } from '../core/errors.js';
import { costUsd, priceFor, roundUsd } from '../providers/pricing.js';
import type { Message, Refusal, ToolCall } from '../core/messages.js';
import type { ToolSet } from '../tools/index.js';
import { Budget } from './budget.js';
import type { FullUsage, ToolCallSummary } from '../core/events.js';
import type { EngineEvent } from './run.js';
import type { PlannedProvider, RunPlan } from '../core/plan.js';
import { OutputValidator, repairPrompt } from './structured-output.js';
import { runToolTurn } from './tool-turn.js';
import type { TurnRunner } from './turn.js';

/** What the run has produced so far: the result on success, the partial result on failure. */
export interface LoopProgress {
  /** The text of the latest turn: the answer, once the run ends with one. */
  text: string;
  /** The last non-empty assistant text: on failure, what the model last said (a tool-call turn may say nothing). */
  lastText: string;
  output: unknown;
  /** The sum over turns; null while no turn has reported usage (unknown, not zero). */
  usage: FullUsage | null;
  /** null once any turn's cost is unknown. */
  costUsd: number | null;
  steps: number;
  toolCalls: ToolCallSummary[];
  /** The provider that answered the latest turn. */
  step?: PlannedProvider;
}

/** What the loop decides after each model turn (DESIGN principle 4). */
type NextStep = { kind: 'final'; output: unknown } | { kind: 'run-again'; messages: Message[] };

/**
 * The agent loop: model turn → tool calls → results back → next turn, until a final answer or
 * `maxSteps`. Structured output gets one repair turn; a budget stops the run before a turn that
 * would pass it or right after one that did.
 */
export async function runAgentLoop(
  plan: RunPlan,
  turns: TurnRunner,
  tools: ToolSet | undefined,
  emit: (event: EngineEvent) => void,
  progress: LoopProgress,
  signal?: AbortSignal,
): Promise<void> {
  const budget = new Budget(plan.maxCost);
  const validator = plan.request.responseSchema ? await OutputValidator.create(plan.request.responseSchema) : undefined;
  let messages = [...plan.request.messages];
  let repaired = false;

  for (;;) {
    if (progress.steps >= plan.maxSteps) {
      throw new LoomError('max_steps', `the agent took ${plan.maxSteps} model turns without a final answer`, {
        hint: 'raise --max-steps or "maxSteps" in the agent config',
      });
    }
    budget.beforeTurn(price(turns.current), plan.request.system, messages, [tools?.specs, plan.request.responseSchema]);
    // Structured output is printed once it is valid, so its text never streams to the user.
    const { output, step } = await turns.turn(messages, tools?.specs, validator === undefined);
    progress.steps++;
    progress.step = step;
    progress.text = output.text;
    if (output.text !== '') progress.lastText = output.text;
    addUsage(progress, step, output.usage);
    // A refusal is the turn's answer, not a fault: its usage counts, and no retry or fallback follows.
    if (output.refusal) throw refusedError(step, output.refusal);
    budget.afterTurn(price(step), output.usage, output.text.length + (output.toolCalls.length > 0 ? JSON.stringify(output.toolCalls).length : 0));

    const next: NextStep =
      output.toolCalls.length > 0 && tools
        ? { kind: 'run-again', messages: [...messages, { role: 'assistant', content: output.text, toolCalls: output.toolCalls }, ...(await runTools(output.toolCalls, tools, emit, progress, signal))] }
        : checkOutput(output.text);
    if (next.kind === 'final') {
      progress.output = next.output;
      return;
    }
    messages = next.messages;
  }

  function checkOutput(text: string): NextStep {
    if (!validator) return { kind: 'final', output: null };
    const check = validator.check(text);
    if (check.ok) return { kind: 'final', output: check.value };
    if (repaired || progress.steps >= plan.maxSteps) {
      const why = repaired ? 'after one repair turn' : `and maxSteps (${plan.maxSteps}) leaves no turn to repair it`;
      throw new LoomError('output_invalid', `the answer does not match the output schema ${why}: ${check.errors.join('; ')}`, {
        hint: 'loosen the schema, or make the prompt say what to return',
      });
    }
    repaired = true;
    return { kind: 'run-again', messages: [...messages, { role: 'assistant', content: text }, { role: 'user', content: repairPrompt(check.errors) }] };
  }
}

/**
 * The model's tool calls, run at once within the turn's bounds; each result goes back to the
 * model, failures included. `tool_result` events come as calls finish; `toolCalls` and the
 * messages keep the model's order.
 */
async function runTools(calls: ToolCall[], tools: ToolSet, emit: (event: EngineEvent) => void, progress: LoopProgress, signal?: AbortSignal): Promise<Message[]> {
  const results = await runToolTurn(
    calls,
    tools,
    {
      onCall: (call) => emit({ type: 'tool_call', id: call.id, name: call.name, input: call.input }),
      onResult: (call, result) => emit({ type: 'tool_result', id: call.id, name: call.name, ok: result.ok, output: result.output }),
    },
    signal,
  );
  return calls.map((call, index): Message => {
    const result = results[index]!;
    progress.toolCalls.push({ name: call.name, ok: result.ok });
    return { role: 'tool', toolCallId: call.id, toolName: call.name, content: result.output, ...(result.ok ? {} : { isError: true }) };
  });
}

function price(step: PlannedProvider) {
  return priceFor(step.provider.type, step.model, step.provider.pricing, step.provider.name);
}

/** CONTRACT §10: a refusal fails the run with `refused` (exit 1), the provider's reason and words in the message. */
function refusedError(step: PlannedProvider, refusal: Refusal): LoomError {
  return new LoomError('refused', `${step.provider.name}: the model refused to answer (${refusal.reason})${refusal.text ? `: ${refusal.text}` : ''}`, {
    provider: step.provider.name,
    hint: 'the provider declined this request; rephrase it, or try another model with -p/-m',
  });
}

function addUsage(progress: LoopProgress, step: PlannedProvider, usage: FullUsage | null): void {
  if (!usage) {
    progress.costUsd = null; // unknown, never 0
    return;
  }
  const sum = progress.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
  progress.usage = {
    inputTokens: sum.inputTokens + usage.inputTokens,
    outputTokens: sum.outputTokens + usage.outputTokens,
    cachedInputTokens: sum.cachedInputTokens + usage.cachedInputTokens,
    cacheWriteTokens: sum.cacheWriteTokens + usage.cacheWriteTokens,
  };
  const cost = costUsd(usage, price(step));
  progress.costUsd = progress.costUsd === null || cost === null ? null : roundUsd(progress.costUsd + cost);
}
