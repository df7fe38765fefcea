import { existsSync, realpathSync } from 'node:fs';
import { appendFile, lstat, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext, CommandFunction } from '../context.js';

/**
 * The schemas ship at the package root; `$schema` points at them for editor completion. The
 * root is found by walking up, since this code runs from a bundle chunk somewhere under dist/.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'config.schema.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * Where the schemas are inside the project: a Loom installed in its node_modules (by tarball,
 * registry or a folder link: the path is what a teammate's checkout has too), else this Loom when
 * it is itself inside the project. Undefined when neither is.
 */
function projectSchemaDir(root: string): string | undefined {
  const installed = join(root, 'node_modules', 'loom');
  if (existsSync(join(installed, 'config.schema.json'))) return installed;
  const own = packageRoot();
  return inside(root, own) ? own : undefined;
}

const HELLO_PROMPT = `Say hello to {{name}} in one short, friendly sentence.
`;

/** What `.gitignore` must hold: Loom's local state, and the keys beside the config. */
const IGNORED = ['.loom/', '.env'];

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** The real path `path` would be written at (its nearest existing ancestor resolved), for the "never outside" check. */
async function realTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(await realTarget(parent), relative(parent, path));
  }
}

const init: CommandFunction = async (ctx) => {
  const root = realpathSync(ctx.cwd);
  // `$schema` only as a path inside the project (a Loom installed in its node_modules): a path into
  // the installer's own global copy would break for every teammate.
  const schemaDir = projectSchemaDir(root);
  const schemaRef = (from: string, file: string): Record<string, string> => {
    if (schemaDir === undefined) return {};
    const path = relative(from, join(schemaDir, file)).split(sep).join('/');
    return { $schema: path.startsWith('.') ? path : `./${path}` };
  };
  const files: Array<[path: string, content: string]> = [
    ['loom.config.json', json({ ...schemaRef(root, 'config.schema.json'), defaultProvider: 'auto', providers: {}, agentsDir: 'agents' })],
    [
      join('agents', 'hello', 'config.json'),
      json({
        ...schemaRef(join(root, 'agents', 'hello'), 'agent.schema.json'),
        description: 'Say hello: a smoke test for your providers',
        promptFile: 'prompt.md',
        inputs: { name: { description: 'who to greet', default: 'world' } },
        maxTokens: 200,
      }),
    ],
    [join('agents', 'hello', 'prompt.md'), HELLO_PROMPT],
  ];

  for (const [path, content] of files) await createFile(ctx, root, path, content);
  ctx.io.out(`${await updateGitignore(ctx, root)}\n`);
  if (schemaDir === undefined) {
    ctx.io.out('\nfor editor completion, install Loom in the project (npm install --save-dev <loom>) and set "$schema" to "./node_modules/loom/config.schema.json"\n');
  }
  ctx.io.out(`\nnext: loom run hello --provider mock\n`);
};

/** Creates a file that does not exist yet; never through a link that leads out of the project. */
async function createFile(ctx: CommandContext, root: string, path: string, content: string): Promise<void> {
  const target = join(root, path);
  if (!inside(root, await realTarget(target))) {
    ctx.io.warn(`skipped ${path}: it leads outside the project through a symbolic link`);
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  try {
    // `wx` (O_EXCL) never follows a link and never replaces a file.
    await writeFile(target, content, { flag: 'wx' });
    ctx.io.out(`created  ${path}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    ctx.io.out(`skipped  ${path} (exists)\n`);
  }
}

/** Adds `.loom/` and `.env` to .gitignore, creating the file if need be; never through a link leading out. */
async function updateGitignore(ctx: CommandContext, root: string): Promise<string> {
  const path = join(root, '.gitignore');
  const link = await lstat(path).then((stats) => stats.isSymbolicLink(), () => false);
  if (link && !inside(root, await realTarget(path))) {
    ctx.io.warn('skipped .gitignore: it is a symbolic link that leads outside the project; add .loom/ and .env to it yourself');
    return 'skipped  .gitignore (a link leading outside the project)';
  }
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing === null) {
    await writeFile(path, `${IGNORED.join('\n')}\n`, { flag: 'wx' });
    return 'created  .gitignore';
  }
  const lines = new Set(existing.split(/\r?\n/).map((line) => line.trim().replace(/^\//, '').replace(/\/$/, '')));
  const missing = IGNORED.filter((entry) => !lines.has(entry.replace(/\/$/, '')));
  if (missing.length === 0) return 'skipped  .gitignore (already ignores .loom/ and .env)';
  await appendFile(path, `${existing === '' || existing.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
  return `updated  .gitignore (added ${missing.join(' and ')})`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export default init;
