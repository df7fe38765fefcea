// Bundles the CLI into dist/ with esbuild, for start-up speed (`loom --help` should cost little
// more than starting Node):
// - dist/main.cjs: the entry — commander and the program's wiring only, as CommonJS, because
//   Node's ESM loader alone adds ~6 ms to a process (about a fifth of `node -e 0`);
// - dist/cjs/: modules the entry loads on demand that need nothing lazy themselves (output, and
//   `config validate`, which CI runs on every push), as self-contained CommonJS bundles, so such
//   runs never start the ESM loader either; beside them, the packages that code require()s on
//   first need (ajv's compiler, jsonc-parser: see ON_DEMAND_CJS);
// - dist/lazy/: every other module the entry imports on demand (the other commands, the error
//   boundary) as ES modules with code splitting, so shared code loads once and the SDKs, ajv,
//   ora and the MCP SDK sit in chunks of their own that load only when used.
// dist/ is self-contained: an installed Loom loads nothing from node_modules (the published
// package has no dependencies; test/e2e/install.test.ts installs it offline and runs it).
// Bundles do not share classes: LoomError is recognised by a brand, not by instanceof.
// The file-search worker thread's code is a string inside a lazy chunk of its own (scripts/worker-source.mjs).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildWorkerPlugin } from './worker-source.mjs';

/** Loaded on demand too, but as CommonJS bundles of their own (see above), with the exports main.ts uses. */
const LAZY_CJS = {
  'config-validate': 'src/cli/commands/config-validate.ts',
  io: 'src/output/io.ts',
};
const LAZY_CJS_EXPORTS = { 'config-validate': ['default'], io: ['Io'] };

/** `import('./x.js')` of the entry's own files, as `{ name: 'src/…/x.ts' }`, CommonJS ones left out. */
function lazyModules(files) {
  const modules = {};
  for (const file of files) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/import\('(\.{1,2}\/[\w/-]+)\.js'\)/g)) {
      const path = relative('.', join(dirname(file), `${specifier}.ts`));
      const name = basename(path, '.ts');
      if (!(name in LAZY_CJS)) modules[name] = path;
    }
  }
  return modules;
}

/**
 * cosmiconfig's YAML, JavaScript and TypeScript loaders: Loom gives it JSON-only loaders, so
 * these run only if a project has a cosmiconfig *meta* config (`.config/config.yaml` …), which
 * then reads as empty. Left out, they no longer cost every `config validate` their parse time.
 */
const UNUSED_LOADER_STUBS = {
  'js-yaml': 'module.exports = { load: () => ({}) };',
  'import-fresh': 'module.exports = () => ({});',
  typescript: 'throw new Error("TypeScript configs are not supported: Loom reads JSON configs only");',
  // Only the TypeScript loader names temporary files with it; node:crypto costs ~3 ms to load.
  crypto: 'module.exports = { randomUUID: () => require("node:crypto").randomUUID() };',
};

/**
 * Packages that Loom's sources require() on first need only: ajv's compiler and ajv-formats'
 * formats (the output-schema check: most schemas are plain and never compile) and jsonc-parser
 * (the JSON toolkit: only for a file with a problem).
 * Each is a CommonJS bundle of its own in dist/cjs/, named by the key, so the commands that may
 * need them (`config validate`, `run`, `agents` …) never parse what they seldom run, and nothing
 * is loaded from node_modules. The requiring code finds dist/cjs/ by walking up from its own file
 * (`__loomModuleUrl`, which both banners set), in dist/cjs/, dist/lazy/ or dist/lazy/chunks/.
 */
const ON_DEMAND_CJS = {
  'ajv-2020': 'ajv/dist/2020.js',
  'ajv-formats': 'ajv-formats/dist/formats.js',
  'jsonc-parser': 'jsonc-parser',
};

const onDemandCjs = {
  name: 'on-demand-cjs',
  setup(pluginBuild) {
    const bySpecifier = new Map(Object.entries(ON_DEMAND_CJS).map(([name, specifier]) => [specifier, name]));
    const source = join(ROOT, 'src') + '/';
    pluginBuild.onResolve({ filter: /^(ajv|ajv-formats|jsonc-parser)(\/|$)/ }, (args) => {
      // Loom's own require() calls only: the packages' requires of each other stay inside their bundles.
      const name = args.kind === 'require-call' && args.importer.startsWith(source) ? bySpecifier.get(args.path) : undefined;
      return name === undefined ? undefined : { path: name, namespace: 'on-demand-cjs' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'on-demand-cjs' }, (args) => ({
      contents: [
        "const { existsSync } = require('node:fs');",
        "const { dirname, join } = require('node:path');",
        "const { fileURLToPath } = require('node:url');",
        `const file = ${JSON.stringify(`${args.path}.cjs`)};`,
        'let dir = dirname(fileURLToPath(__loomModuleUrl));',
        "while (!existsSync(join(dir, 'cjs', file)) && dirname(dir) !== dir) dir = dirname(dir);",
        "module.exports = require(join(dir, 'cjs', file));",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

const unusedLoaders = {
  name: 'unused-cosmiconfig-loaders',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(js-yaml|import-fresh|typescript|crypto)$/ }, (args) =>
      args.importer.includes('cosmiconfig') ? { path: args.path, namespace: 'unused-loader' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'unused-loader' }, (args) => ({ contents: UNUSED_LOADER_STUBS[args.path], loader: 'js' }));
  },
};

// Paths are relative to the package root, wherever the script is started from.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT);

/**
 * The modules the entry imports with `import()`, by the name their bundle gets: found in the
 * sources (each command is registered once, with its loader, in src/cli/program.ts), less those
 * bundled as CommonJS below.
 */
const LAZY = lazyModules(['src/cli/program.ts', 'src/cli/main.ts']);


const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  // Prefer ESM builds: some packages' CommonJS entries are UMD wrappers that esbuild cannot follow.
  mainFields: ['module', 'main'],
  target: 'node20',
  // Source maps: --debug turns them on, so stack traces point into src/.
  sourcemap: 'linked',
  legalComments: 'none',
  // Smaller files parse faster: start-up is dominated by compiling the bundle.
  minify: true,
  logLevel: 'warning',
};

// Built beside dist/ and swapped in at the end, so a CLI started meanwhile (a test run in another
// terminal) never finds dist/ half-written or missing.
const OUT = `dist.building-${process.pid}`;
await rm(OUT, { recursive: true, force: true });

await build({
  ...common,
  entryPoints: LAZY,
  outdir: `${OUT}/lazy`,
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  // The file-search worker, as a string in a chunk of its own: loaded by the first search only.
  plugins: [unusedLoaders, onDemandCjs, esbuildWorkerPlugin()],
  // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require.
  banner: {
    js: "import { createRequire as __loomCreateRequire } from 'node:module'; const require = __loomCreateRequire(import.meta.url); const __loomModuleUrl = import.meta.url;",
  },
});

await build({
  ...common,
  entryPoints: LAZY_CJS,
  outdir: `${OUT}/cjs`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [unusedLoaders, onDemandCjs],
  // import.meta.url (createRequire, finding package files) has no CommonJS meaning: give it one.
  define: { 'import.meta.url': '__loomModuleUrl' },
  banner: { js: "const __loomModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

await build({
  ...common,
  entryPoints: ON_DEMAND_CJS,
  outdir: `${OUT}/cjs`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
});

/**
 * In the entry, `import('./commands/ask.js')` becomes `import('./lazy/ask.js')`, left to Node;
 * `import('./commands/config-validate.js')` becomes a `require('./cjs/config-validate.cjs')`.
 */
const lazyImports = {
  name: 'lazy-imports',
  setup(pluginBuild) {
    const byFile = new Map(Object.entries(LAZY).map(([name, file]) => [basename(file, '.ts'), name]));
    const cjsByFile = new Map(Object.entries(LAZY_CJS).map(([name, file]) => [basename(file, '.ts'), name]));
    pluginBuild.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const file = basename(args.path, '.js');
      if (cjsByFile.has(file)) return { path: cjsByFile.get(file), namespace: 'lazy-cjs' };
      return byFile.has(file) ? { path: `./lazy/${byFile.get(file)}.js`, external: true } : undefined;
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-cjs' }, (args) => ({
      contents: [
        `const bundle = require(${JSON.stringify(`./cjs/${args.path}.cjs`)});`,
        ...LAZY_CJS_EXPORTS[args.path].map((name) => (name === 'default' ? 'export default bundle.default;' : `export const ${name} = bundle.${name};`)),
      ].join('\n'),
      loader: 'js',
      resolveDir: 'dist',
    }));
    pluginBuild.onResolve({ filter: /^\.\/cjs\// }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * commander requires node:child_process for executable subcommands (`git-style`), which Loom
 * does not have; loading it costs every run ~5 ms (it pulls in net, dgram and more).
 */
const noChildProcessInCommander = {
  name: 'no-child-process-in-commander',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('commander') ? { path: 'child_process', namespace: 'commander-stub' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'commander-stub' }, () => ({
      contents: 'module.exports = { spawn() { throw new Error("executable subcommands are not supported"); } };',
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  entryPoints: ['src/cli/entry.ts'],
  outfile: `${OUT}/main.cjs`,
  format: 'cjs',
  plugins: [lazyImports, noChildProcessInCommander],
});

const OLD = `dist.old-${process.pid}`;
await rename('dist', OLD).catch((error) => {
  if (error.code !== 'ENOENT') throw error;
});
await rename(OUT, 'dist');
await rm(OLD, { recursive: true, force: true });
