import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/cli/program.js';
import { FIELDS } from '../src/core/config.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the Markdown table under a heading: the first cell's back-ticked names. */
function tableFields(heading: string): string[] {
  const start = readme.indexOf(heading);
  expect(start, `README has "${heading}"`).toBeGreaterThan(-1);
  // The first table after the heading: its rows run until the first line that is not a row.
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > first && !line.startsWith('|'));
  return lines
    .slice(first, end)
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));
}

describe('the README cannot drift from the code', () => {
  it('documents every project, provider and agent field of the schema, and no other', () => {
    expect(tableFields('### Project config').sort()).toEqual([...FIELDS.project].sort());
    expect(tableFields('### Provider entry').sort()).toEqual([...FIELDS.provider].sort());
    expect(tableFields('### Agent config').sort()).toEqual([...FIELDS.agent].sort());
  });

  it('lists every command and every option of the real --help', () => {
    const program = createProgram(async () => {});
    const commands = program.commands.flatMap((command) => (command.commands.length ? command.commands.map((sub) => `${command.name()} ${sub.name()}`) : [command.name()]));
    for (const name of commands) expect(readme).toContain(`\`loom ${name}`);
    for (const command of [program, ...program.commands, ...program.commands.flatMap((command) => command.commands)]) {
      for (const option of command.options) {
        const flag = option.long ?? option.short ?? '';
        if (flag === '--help') continue;
        expect(readme, `README mentions ${flag} (${command.name()})`).toContain(flag);
      }
    }
  });
});
