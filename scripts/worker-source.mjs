// The file-search worker (src/tools/file-search/worker.ts) as one CommonJS string, the default
// export of the virtual module `loom:file-search-worker`. src/tools/file-search/run-job.ts starts
// it with `new Worker(source, { eval: true })`: a string runs the same in the esbuild bundle
// (dist/ has no worker file to point at, and the bundle's chunk names are hashed) and in vitest
// (which runs TypeScript sources a plain worker could not load). Eval workers have `require`, so
// CommonJS needs no loader. The module is imported with `import()` on the first search only.
//
// Shared by the esbuild plugin (scripts/build.mjs) and the vite plugin (vitest.config.ts).
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKER_MODULE = 'loom:file-search-worker';
const ENTRY = 'src/tools/file-search/worker.ts';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The worker's code and the files it was built from (for watchers). */
export async function bundleWorker({ minify = false } = {}) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    minify,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return {
    code: result.outputFiles[0].text,
    inputs: Object.keys(result.metafile.inputs).map((input) => join(ROOT, input)),
  };
}

const moduleText = (code) => `export default ${JSON.stringify(code)};\n`;

/** For scripts/build.mjs: the bundle gets the worker minified, in a chunk of its own (it is imported lazily). */
export function esbuildWorkerPlugin() {
  return {
    name: 'file-search-worker',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^loom:file-search-worker$/ }, (args) => ({ path: args.path, namespace: 'loom-worker' }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'loom-worker' }, async () => {
        const { code, inputs } = await bundleWorker({ minify: true });
        return { contents: moduleText(code), loader: 'js', watchFiles: inputs };
      });
    },
  };
}

/** For vitest.config.ts: the same module, built from the sources as they are when a test imports it. */
export function viteWorkerPlugin() {
  const resolved = `\0${WORKER_MODULE}`;
  return {
    name: 'file-search-worker',
    resolveId(id) {
      return id === WORKER_MODULE ? resolved : undefined;
    },
    async load(id) {
      if (id !== resolved) return undefined;
      const { code, inputs } = await bundleWorker();
      for (const input of inputs) this.addWatchFile(input);
      return moduleText(code);
    },
  };
}
