// Bundles the CLI into dist/ with esbuild. Start-up speed is the reason: one bundled entry
// parses in a fraction of the time of hundreds of node_modules files, and code splitting keeps
// every `await import()` (commands, SDKs, ajv) in a chunk of its own that loads only when used.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // Prefer ESM builds: some packages' CommonJS entries are UMD wrappers that esbuild cannot follow.
  mainFields: ['module', 'main'],
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  // Smaller files parse faster: start-up is dominated by compiling the bundle. --debug turns
  // source maps on, so stack traces still point into src/.
  minify: true,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
  // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require.
  banner: { js: "import { createRequire as __loomCreateRequire } from 'node:module'; const require = __loomCreateRequire(import.meta.url);" },
});
