// Bundles the CLI into dist/ with esbuild, for start-up speed (`loom --help` should cost little
// more than starting Node):
// - dist/main.cjs: the entry — commander and the program's wiring only, as CommonJS, because
//   Node's ESM loader alone adds ~6 ms to a process (about a fifth of `node -e 0`);
// - dist/lazy/: every module the entry imports on demand (each command, the error boundary,
//   output) as ES modules with code splitting, so shared code loads once and the SDKs, ajv, ora
//   and cosmiconfig sit in chunks of their own that load only when used.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';

/** The modules src/cli/main.ts imports with `import()`, by the name their bundle gets. */
const LAZY = {
  ask: 'src/cli/commands/ask.ts',
  run: 'src/cli/commands/run.ts',
  agents: 'src/cli/commands/agents.ts',
  'config-validate': 'src/cli/commands/config-validate.ts',
  'config-show': 'src/cli/commands/config-show.ts',
  providers: 'src/cli/commands/providers.ts',
  logs: 'src/cli/commands/logs.ts',
  init: 'src/cli/commands/init.ts',
  'report-error': 'src/cli/report-error.ts',
  io: 'src/output/io.ts',
};

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

const unusedLoaders = {
  name: 'unused-cosmiconfig-loaders',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(js-yaml|import-fresh|typescript|crypto)$/ }, (args) =>
      args.importer.includes('cosmiconfig') ? { path: args.path, namespace: 'unused-loader' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'unused-loader' }, (args) => ({ contents: UNUSED_LOADER_STUBS[args.path], loader: 'js' }));
  },
};

const common = {
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

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  ...common,
  entryPoints: LAZY,
  outdir: 'dist/lazy',
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [unusedLoaders],
  // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require.
  banner: { js: "import { createRequire as __loomCreateRequire } from 'node:module'; const require = __loomCreateRequire(import.meta.url);" },
});

/** In the entry, `import('./commands/ask.js')` becomes `import('./lazy/ask.js')`, left to Node. */
const lazyImports = {
  name: 'lazy-imports',
  setup(pluginBuild) {
    const byFile = new Map(Object.entries(LAZY).map(([name, file]) => [basename(file, '.ts'), name]));
    pluginBuild.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = byFile.get(basename(args.path, '.js'));
      return name ? { path: `./lazy/${name}.js`, external: true } : undefined;
    });
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
  outfile: 'dist/main.cjs',
  format: 'cjs',
  plugins: [lazyImports, noChildProcessInCommander],
});
