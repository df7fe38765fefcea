import { describe, expect, it } from 'vitest';
import type { TestAssertion } from '../../src/core/config.js';
import { checkAssertion, type RunView } from '../../src/evals/assertions.js';

const view = (overrides: Partial<RunView> = {}): RunView => ({
  ok: true,
  errorCode: null,
  text: 'The code has an SQL injection in users.ts.',
  output: null,
  structured: false,
  toolCalls: [
    { name: 'read_file', input: { path: 'src/users.ts' }, ok: true },
    { name: 'read_file', input: { path: 'src/db.ts' }, ok: true },
  ],
  costUsd: 0.004,
  latencyMs: 800,
  steps: 3,
  replayed: false,
  ...overrides,
});

const check = (assertion: TestAssertion, v: RunView = view()) => checkAssertion(assertion as Exclude<TestAssertion, { type: 'judge' }>, v);

describe('text assertions', () => {
  it.each([
    [{ type: 'contains', value: 'SQL injection' }, true],
    [{ type: 'contains', value: 'sql INJECTION', ignoreCase: true }, true],
    [{ type: 'contains', value: 'sql injection' }, false],
    [{ type: 'contains', value: ['SQL', 'XSS'] }, false],
    [{ type: 'contains', value: ['SQL', 'XSS'], match: 'any' }, true],
    [{ type: 'not-contains', value: 'XSS' }, true],
    [{ type: 'not-contains', value: ['SQL', 'XSS'] }, false],
    [{ type: 'not-contains', value: ['SQL', 'XSS'], match: 'any' }, true],
    [{ type: 'not-contains', value: ['SQL', 'users'], match: 'any' }, false],
    [{ type: 'regex', pattern: 'users\\.ts' }, true],
    [{ type: 'regex', pattern: '^the', flags: 'i' }, true],
    [{ type: 'regex', pattern: '^the' }, false],
    [{ type: 'starts-with', value: 'The code' }, true],
    [{ type: 'starts-with', value: 'the code', ignoreCase: true }, true],
    [{ type: 'equals', value: 'The code has an SQL injection in users.ts.' }, true],
    [{ type: 'equals', value: 'other' }, false],
  ] as [TestAssertion, boolean][])('%j → %s', async (assertion, pass) => {
    expect((await check(assertion)).pass).toBe(pass);
  });

  it('a failure says what was expected and what was found', async () => {
    expect(await check({ type: 'contains', value: 'XSS' })).toEqual({ type: 'contains', pass: false, message: 'answer: expected to contain "XSS", got "The code has an SQL injection in users.ts."' });
  });
});

describe('structured output', () => {
  const structured = view({ structured: true, text: '{"findings":[{"severity":"high"}]}', output: { findings: [{ severity: 'high', line: 12 }] } });

  it('without a path, the output; with one, the value at that pointer', async () => {
    expect((await check({ type: 'equals', path: '/findings/0/severity', value: 'high' }, structured)).pass).toBe(true);
    expect((await check({ type: 'equals', path: '/findings/0/line', value: 13 }, structured))).toMatchObject({ pass: false, message: 'output at /findings/0/line: expected 13, got 12' });
    expect((await check({ type: 'contains', value: 'high' }, structured)).pass).toBe(true);
    expect((await check({ type: 'equals', value: { findings: [{ severity: 'high', line: 12 }] } }, structured)).pass).toBe(true);
  });

  it('json-schema: the output, or the answer parsed as JSON (unparseable fails)', async () => {
    const schema = { type: 'object', required: ['findings'], properties: { findings: { type: 'array', minItems: 1 } } };
    expect((await check({ type: 'json-schema', schema }, structured)).pass).toBe(true);
    expect((await check({ type: 'json-schema', schema: { type: 'array' } }, structured))).toMatchObject({ pass: false, message: expect.stringContaining('does not match the schema: /: must be array') });
    expect((await check({ type: 'json-schema', schema: { type: 'object' } }, view({ text: '{"a":1}' }))).pass).toBe(true);
    expect((await check({ type: 'json-schema', schema: { type: 'object' } }))).toMatchObject({ pass: false, message: expect.stringMatching(/^the answer is not JSON/) });
  });
});

describe('tool calls, cost, latency, steps, status', () => {
  it.each([
    [{ type: 'tool-called', name: 'read_file' }, true],
    [{ type: 'tool-called', name: 'read_file', input: { path: 'src/db.ts' } }, true],
    [{ type: 'tool-called', name: 'read_file', input: { path: 'src/x.ts' } }, false],
    [{ type: 'tool-called', name: 'read_file', times: 2 }, true],
    [{ type: 'tool-called', name: 'read_file', times: 1 }, false],
    [{ type: 'tool-called', name: 'write_file' }, false],
    [{ type: 'tool-not-called', name: 'write_file' }, true],
    [{ type: 'tool-not-called', name: 'read_file' }, false],
    [{ type: 'max-cost', usd: 0.01 }, true],
    [{ type: 'max-cost', usd: 0.001 }, false],
    [{ type: 'max-latency', ms: 800 }, true],
    [{ type: 'max-latency', ms: 799 }, false],
    [{ type: 'max-steps', value: 3 }, true],
    [{ type: 'max-steps', value: 2 }, false],
    [{ type: 'status', ok: true }, true],
    [{ type: 'status', ok: false }, false],
  ] as [TestAssertion, boolean][])('%j → %s', async (assertion, pass) => {
    expect((await check(assertion)).pass).toBe(pass);
  });

  it('status of a failed run, with or without its code', async () => {
    const failed = view({ ok: false, errorCode: 'max_steps' });
    expect((await check({ type: 'status', ok: false, code: 'max_steps' }, failed)).pass).toBe(true);
    expect((await check({ type: 'status', ok: false, code: 'refused' }, failed))).toMatchObject({ pass: false, message: 'expected the run failed with refused, got failed with max_steps' });
    expect((await check({ type: 'status', ok: true }, failed)).pass).toBe(false);
  });

  it('an unknown cost fails max-cost, saying why; a recorded figure says so', async () => {
    expect(await check({ type: 'max-cost', usd: 1 }, view({ costUsd: null }))).toMatchObject({ pass: false, message: expect.stringContaining('the cost is unknown') });
    expect((await check({ type: 'max-latency', ms: 1000 }, view({ replayed: true }))).message).toBe('latency 800 ms (recorded) ≤ 1000 ms');
  });
});
