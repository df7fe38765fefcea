import { describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import { LoomError } from '../../src/core/errors.js';

function report(error: unknown, debug = false) {
  let stderr = '';
  const cli = { argv: [], env: {}, cwd: '/', stdin: process.stdin, stdout: { write: () => true }, stderr: { write: (text: string) => ((stderr += text), true) }, signal: new AbortController().signal };
  const code = reportError(error, { cli, debug });
  return { code, stderr };
}

describe('the error boundary', () => {
  it('a LoomError is one line, its hint, and its exit code', () => {
    expect(report(new LoomError('unknown_agent', 'unknown agent "x"', { hint: '`loom agents` lists them' }))).toEqual({ code: 2, stderr: 'loom: error: unknown agent "x"\nhint: `loom agents` lists them\n' });
  });

  it('anything else is a bug in Loom: "internal error", exit 1, and the stack only under --debug', () => {
    const bug = new TypeError('n.replace is not a function');
    expect(report(bug)).toEqual({ code: 1, stderr: 'loom: error: internal error: n.replace is not a function\nhint: run again with --debug to see the stack trace\n' });
    const debug = report(bug, true);
    expect(debug.stderr).toMatch(/^loom: error: internal error: n\.replace is not a function\nTypeError: n\.replace is not a function\n\s+at /);
  });
});
