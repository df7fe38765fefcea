import { LoomError } from '../core/errors.js';
import type { Message, Refusal, ToolCall } from '../core/messages.js';
import type { PlannedProvider } from '../core/plan.js';
import type { ToolSet } from '../tools/index.js';
import { Budget } from './budget.js';
import type { ProviderChain } from './fallback.js';
import type { EngineEvent } from './execute-plan.js';
import type { RunState } from './run-state.js';
import { OutputValidator, repairPrompt } from './structured-output.js';
import { runToolTurn } from './tool-turn.js';

/** What the loop decides after each model turn (DESIGN principle 4). */
type NextStep = { kind: 'final'; output: unknown } | { kind: 'run-again'; messages: Message[] };

/**
 * The agent loop: model turn → tool calls → results back → next turn, until a final answer or
 * `maxSteps`. Structured output gets one repair turn; a budget stops the run before a turn that
 * would pass it or right after one that did.
 */
export async function runAgentLoop(state: RunState, chain: ProviderChain, tools: ToolSet | undefined, emit: (event: EngineEvent) => void, signal?: AbortSignal): Promise<void> {
  const { plan } = state;
  const budget = new Budget(plan.maxCost);
  const validator = plan.request.responseSchema ? await OutputValidator.create(plan.request.responseSchema) : undefined;
  let messages = [...plan.request.messages];
  let repaired = false;

  for (;;) {
    if (state.steps >= plan.maxSteps) {
      throw new LoomError('max_steps', `the agent took ${plan.maxSteps} model turns without a final answer`, {
        hint: 'raise --max-steps or "maxSteps" in the agent config',
      });
    }
    budget.beforeTurn(chain.current.price, plan.request.system, messages, [tools?.specs, plan.request.responseSchema]);
    // Structured output is printed once it is valid, so its text never streams to the user.
    const { output, entry } = await chain.turn(messages, tools?.specs, validator === undefined);
    state.addTurn(entry, output.text, output.usage, output.replayed);
    // A refusal is the turn's answer, not a fault: its usage counts, and no retry or fallback follows.
    if (output.refusal) throw refusedError(entry, output.refusal);
    budget.afterTurn(entry.price, output.usage, output.text.length + (output.toolCalls.length > 0 ? JSON.stringify(output.toolCalls).length : 0));

    const next: NextStep =
      output.toolCalls.length > 0 && tools
        ? { kind: 'run-again', messages: [...messages, { role: 'assistant', content: output.text, toolCalls: output.toolCalls }, ...(await runTools(output.toolCalls, tools, emit, state, signal))] }
        : checkOutput(output.text);
    if (next.kind === 'final') {
      state.output = next.output;
      return;
    }
    messages = next.messages;
  }

  function checkOutput(text: string): NextStep {
    if (!validator) return { kind: 'final', output: null };
    const check = validator.check(text);
    if (check.ok) return { kind: 'final', output: check.value };
    if (repaired || state.steps >= plan.maxSteps) {
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
async function runTools(calls: ToolCall[], tools: ToolSet, emit: (event: EngineEvent) => void, state: RunState, signal?: AbortSignal): Promise<Message[]> {
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
    state.toolCalls.push({ name: call.name, ok: result.ok });
    return { role: 'tool', toolCallId: call.id, toolName: call.name, content: result.output, ...(result.ok ? {} : { isError: true }) };
  });
}

/** CONTRACT §10: a refusal fails the run with `refused` (exit 1), the provider's reason and words in the message. */
function refusedError(entry: PlannedProvider, refusal: Refusal): LoomError {
  return new LoomError('refused', `${entry.provider.name}: the model refused to answer (${refusal.reason})${refusal.text ? `: ${refusal.text}` : ''}`, {
    provider: entry.provider.name,
    hint: 'the provider declined this request; rephrase it, or try another model with -p/-m',
  });
}
