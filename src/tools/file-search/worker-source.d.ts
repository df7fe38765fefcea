/**
 * The file-search worker (worker.ts) bundled into one CommonJS string, for
 * `new Worker(source, { eval: true })`. Provided by scripts/worker-source.mjs: an esbuild plugin
 * in scripts/build.mjs, a vite plugin in vitest.config.ts.
 */
declare module 'loom:file-search-worker' {
  const source: string;
  export default source;
}
