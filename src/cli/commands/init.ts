import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandFunction } from '../context.js';

/**
 * The schemas ship at the package root; `$schema` points at them for editor completion. The
 * root is found by walking up, since this code runs from a bundle chunk somewhere under dist/.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'config.schema.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const HELLO_PROMPT = `Say hello to {{name}} in one short, friendly sentence.
`;

const init: CommandFunction = async (ctx) => {
  const root = ctx.cwd;
  const schemaDir = packageRoot();
  const schemaRef = (from: string, file: string) => {
    const path = relative(from, join(schemaDir, file)).split(sep).join('/');
    return path.startsWith('.') ? path : `./${path}`;
  };
  const files: Array<[path: string, content: string]> = [
    [
      'loom.config.json',
      json({ $schema: schemaRef(root, 'config.schema.json'), defaultProvider: 'auto', providers: {}, agentsDir: 'agents' }),
    ],
    [
      join('agents', 'hello', 'config.json'),
      json({
        $schema: schemaRef(join(root, 'agents', 'hello'), 'agent.schema.json'),
        description: 'Say hello: a smoke test for your providers',
        promptFile: 'prompt.md',
        inputs: { name: { description: 'who to greet', default: 'world' } },
        maxTokens: 200,
      }),
    ],
    [join('agents', 'hello', 'prompt.md'), HELLO_PROMPT],
  ];

  for (const [path, content] of files) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeFile(target, content, { flag: 'wx' });
      ctx.io.out(`created  ${path}\n`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      ctx.io.out(`skipped  ${path} (exists)\n`);
    }
  }
  ctx.io.out(`${await ignoreStateFolder(root)}\n`);
  ctx.io.out(`\nnext: loom run hello --provider mock\n`);
};

/** Adds `.loom/` (the run log and cache) to .gitignore, creating the file if need be. */
async function ignoreStateFolder(root: string): Promise<string> {
  const path = join(root, '.gitignore');
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing === null) {
    await writeFile(path, '.loom/\n');
    return 'created  .gitignore';
  }
  const lines = existing.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => line === '.loom/' || line === '.loom' || line === '/.loom/' || line === '/.loom')) {
    return 'skipped  .gitignore (already ignores .loom/)';
  }
  await appendFile(path, `${existing === '' || existing.endsWith('\n') ? '' : '\n'}.loom/\n`);
  return 'updated  .gitignore (added .loom/)';
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export default init;
