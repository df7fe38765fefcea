/**
 * `loom test --junit <file>` (CONTRACT §13): the JUnit XML that GitHub's and GitLab's test
 * reporters read — `<testsuites>`, one `<testsuite>` per agent, a `<testcase classname="<agent>"
 * name="<test>" file="…" line="…" time="…">` with `<failure>` (an assertion), `<error>` (could not
 * run; `type` is Loom's error code) or `<skipped/>`. Valid XML whatever the text: markup escaped,
 * and characters XML 1.0 cannot hold at all (most control characters) written as `\xNN`.
 */
import type { TestOutcome } from './outcome.js';

/** C0 controls but tab, newline and CR; U+FFFE/U+FFFF; lone surrogates: none may appear in XML 1.0. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const attr = (name: string, value: string | number) => ` ${name}="${escapeXml(String(value))}"`;

function testcase(outcome: TestOutcome): string {
  const open = `    <testcase${attr('classname', outcome.agent)}${attr('name', outcome.name)}${attr('file', outcome.file)}${attr('line', outcome.line)}${attr('time', seconds(outcome.durationMs))}`;
  switch (outcome.status) {
    case 'passed':
      return `${open}/>`;
    case 'skipped':
      return `${open}>\n      <skipped/>\n    </testcase>`;
    case 'errored': {
      const error = outcome.error ?? { code: 'internal', message: 'the test could not run' };
      return `${open}>\n      <error${attr('type', error.code)}${attr('message', error.message)}>${escapeXml([error.message, ...(error.details ?? [])].join('\n'))}</error>\n    </testcase>`;
    }
    case 'failed': {
      const failed = outcome.assertions.filter((assertion) => !assertion.pass);
      const first = failed[0];
      const body = failed.map((assertion) => `${assertion.type}: ${assertion.message}`).join('\n');
      return `${open}>\n      <failure${attr('type', first?.type ?? 'assertion')}${attr('message', first ? `${first.type}: ${first.message}` : 'failed')}>${escapeXml(body)}</failure>\n    </testcase>`;
    }
  }
}

export function junitXml(outcomes: readonly TestOutcome[], durationMs: number): string {
  const agents = [...new Set(outcomes.map((outcome) => outcome.agent))];
  const counts = (list: readonly TestOutcome[]) =>
    `${attr('tests', list.length)}${attr('failures', list.filter((o) => o.status === 'failed').length)}${attr('errors', list.filter((o) => o.status === 'errored').length)}${attr('skipped', list.filter((o) => o.status === 'skipped').length)}`;
  const suites = agents.map((agent) => {
    const list = outcomes.filter((outcome) => outcome.agent === agent);
    const time = list.reduce((sum, outcome) => sum + outcome.durationMs, 0);
    return `  <testsuite${attr('name', agent)}${counts(list)}${attr('time', seconds(time))}>\n${list.map(testcase).join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attr('name', 'loom test')}${counts(outcomes)}${attr('time', seconds(durationMs))}>\n${suites.join('\n')}\n</testsuites>\n`;
}
