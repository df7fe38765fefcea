import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { annotations, stepSummary } from '../../src/evals/github.js';
import { junitXml } from '../../src/evals/junit.js';
import { exitCodeOf, summarize, type TestOutcome } from '../../src/evals/outcome.js';
import { closingLine, testLine } from '../../src/evals/report.js';

const base = { file: 'agents/review/tests.json', toolCalls: [], output: null, text: 'x', costUsd: 0.004, durationMs: 812, replayed: true };
const OUTCOMES: TestOutcome[] = [
  { ...base, agent: 'review', name: 'flags SQL injection', line: 3, status: 'passed', assertions: [{ type: 'contains', pass: true, message: 'answer contains "SQL"' }] },
  { ...base, agent: 'review', name: 'names the file <users.ts> & "line"', line: 9, status: 'failed', assertions: [{ type: 'contains', pass: false, message: 'answer: expected to contain "XSS", got "a\\x1bb\\x00c"' }] },
  { ...base, agent: 'summarize', name: 'five bullets', file: 'agents/summarize/tests.json', line: 2, status: 'errored', assertions: [], error: { code: 'replay_miss', message: 'no fixture for turn 1 of agent "summarize" (mock, mock)' } },
  { ...base, agent: 'summarize', name: 'skipped one', file: 'agents/summarize/tests.json', line: 14, status: 'skipped', assertions: [] },
];

describe('the JUnit file', () => {
  const xml = junitXml(OUTCOMES, 2500);

  it('is valid XML whatever the text, in the shape test reporters read', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(doc.testsuites).toMatchObject({ name: 'loom test', tests: '4', failures: '1', errors: '1', skipped: '1', time: '2.500' });
    const suites = doc.testsuites.testsuite;
    expect(suites.map((s: { name: string }) => s.name)).toEqual(['review', 'summarize']);
    const [passed, failed] = suites[0].testcase;
    expect(passed).toMatchObject({ classname: 'review', name: 'flags SQL injection', file: 'agents/review/tests.json', line: '3', time: '0.812' });
    expect(failed.name).toBe('names the file <users.ts> & "line"');
    expect(failed.failure).toMatchObject({ type: 'contains', message: 'contains: answer: expected to contain "XSS", got "a\\x1bb\\x00c"' });
    const [errored, skipped] = suites[1].testcase;
    expect(errored.error).toMatchObject({ type: 'replay_miss', message: 'no fixture for turn 1 of agent "summarize" (mock, mock)' });
    expect(skipped).toHaveProperty('skipped');
  });
});

describe('GitHub annotations and the step summary', () => {
  it('one ::error per failed or errored test at its line, escaped; at most ten', () => {
    expect(annotations(OUTCOMES)).toEqual([
      '::error file=agents/review/tests.json,line=9,title=review › names the file <users.ts> & "line" failed::contains: answer: expected to contain "XSS", got "a\\x1bb\\x00c"',
      '::error file=agents/summarize/tests.json,line=2,title=summarize › five bullets errored::replay_miss: no fixture for turn 1 of agent "summarize" (mock, mock)',
    ]);
    const many = Array.from({ length: 15 }, (_, i) => ({ ...OUTCOMES[1]!, name: `t${i}` }));
    expect(annotations(many)).toHaveLength(10);
    expect(annotations([{ ...OUTCOMES[1]!, name: 'a, b: c', assertions: [{ type: 'regex', pass: false, message: '100%\nnext' }] }])[0]).toBe('::error file=agents/review/tests.json,line=9,title=review › a%2C b%3A c failed::regex: 100%25%0Anext');
  });

  it('a Markdown summary with the closing counts', () => {
    const text = stepSummary(OUTCOMES, summarize(OUTCOMES, 2500));
    expect(text).toContain('1 passed, 1 failed, 1 errored, 1 skipped');
    expect(text).toContain('| ❌ failed | review | names the file <users.ts> & "line" | contains: answer');
  });
});

describe('the report', () => {
  const plain = new Chalk({ level: 0 });
  it('a line per test, the reason under a failure, and the closing line', () => {
    expect(testLine(OUTCOMES[0]!, plain)).toBe('✓ review › flags SQL injection  0.8s  $0.0040  replayed\n');
    expect(testLine(OUTCOMES[1]!, plain)).toMatch(/^✗ review › names the file <users\.ts> & "line"  0\.8s  \$0\.0040  replayed\n    contains: answer: expected/);
    expect(testLine(OUTCOMES[3]!, plain)).toBe('- summarize › skipped one  skipped\n');
    expect(closingLine(summarize(OUTCOMES, 1))).toBe('1 passed, 1 failed, 1 errored, 1 skipped\n');
  });

  it('exit 4 when a test could not run, over 1 for a failure; 0 when all passed', () => {
    expect(exitCodeOf(summarize(OUTCOMES, 1))).toBe(4);
    expect(exitCodeOf(summarize(OUTCOMES.slice(0, 2), 1))).toBe(1);
    expect(exitCodeOf(summarize([OUTCOMES[0]!, OUTCOMES[3]!], 1))).toBe(0);
  });
});
