import { describe, expect, it } from 'vitest';
import { CommandLineError, quoteArgv, splitWords, toArgv } from '../../src/tools/command-line.js';
import { compileGlob } from '../../src/tools/glob.js';

describe('splitting a command line without a shell', () => {
  it.each([
    ['npm test', ['npm', 'test']],
    ['  git   log\t-n 5  ', ['git', 'log', '-n', '5']],
    [`echo 'a b' "c d" e\\ f`, ['echo', 'a b', 'c d', 'e f']],
    [`echo '$HOME' "$HOME" \\$HOME`, ['echo', '$HOME', '$HOME', '$HOME']],
    [`echo "say \\"hi\\"" 'it'\\''s' "a\\nb"`, ['echo', 'say "hi"', "it's", 'a\\nb']],
    [`printf '' ""`, ['printf', '', '']],
    ['echo a;b $(id) `id` *.ts ~', ['echo', 'a;b', '$(id)', '`id`', '*.ts', '~']],
    ['node -e "console.log(1)"', ['node', '-e', 'console.log(1)']],
    ['echo a\\\nb', ['echo', 'ab']],
    ['echo ";" "&&" \\|', ['echo', ';', '&&', '|']],
  ])('%s', (line, argv) => {
    expect(toArgv(line)).toEqual(argv);
  });

  it('refuses unterminated quotes and empty lines', () => {
    expect(() => toArgv(`echo 'abc`)).toThrow(new CommandLineError('unterminated single quote at character 6'));
    expect(() => toArgv('echo "abc')).toThrow(new CommandLineError('unterminated double quote at character 6'));
    expect(() => toArgv('   ')).toThrow(new CommandLineError('the command is empty'));
  });

  it.each(['npm test && npm run lint', 'cat a | grep b', 'echo a > out.txt', 'echo a ; echo b', 'sleep 1 &', 'cmd 2>&1', 'a || b'])(
    'refuses the unquoted shell operator in %s',
    (line) => {
      expect(() => toArgv(line)).toThrow(/is a shell operator, but commands run without a shell/);
    },
  );

  it('marks quoted words', () => {
    expect(splitWords(`a 'b' c"d" \\e`)).toEqual([
      { value: 'a', quoted: false },
      { value: 'b', quoted: true },
      { value: 'cd', quoted: true },
      { value: 'e', quoted: true },
    ]);
  });

  it('quotes an argument vector back into a line that splits the same', () => {
    const argv = ['echo', 'a b', "it's", '', '$x', 'plain-1.0/x'];
    expect(quoteArgv(argv)).toBe(`echo 'a b' 'it'\\''s' '' '$x' plain-1.0/x`);
    expect(toArgv(quoteArgv(argv))).toEqual(argv);
  });
});

describe('glob patterns', () => {
  it.each([
    ['*.ts', 'a.ts', true],
    ['*.ts', 'src/deep/a.ts', true],
    ['*.ts', 'a.tsx', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/deep/a.ts', false],
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**/*.ts', 'src/x/y/a.ts', true],
    ['src/**/*.ts', 'lib/a.ts', false],
    ['**/test/*.js', 'test/a.js', true],
    ['**/test/*.js', 'a/b/test/a.js', true],
    ['src/**', 'src/a/b', true],
    ['src/', 'src/a/b', true],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['[!ab].txt', 'c.txt', true],
    ['*.{js,ts}', 'x.js', true],
    ['{src,lib}/*.ts', 'lib/x.ts', true],
    ['a+b(1).txt', 'a+b(1).txt', true],
    ['./src/*.ts', 'src/a.ts', true],
    ['*.md', '.github/README.md', true],
    ['\\*.md', '*.md', true],
    ['\\*.md', 'a.md', false],
  ])('%s ~ %s → %s', (pattern, path, expected) => {
    expect(compileGlob(pattern)(path)).toBe(expected);
  });
});
