/** Types of scripts/worker-source.mjs, for vitest.config.ts (the scripts themselves are plain JavaScript). */
import type { Plugin as EsbuildPlugin } from 'esbuild';
import type { Plugin as VitePlugin } from 'vite';

export declare const WORKER_MODULE: 'loom:file-search-worker';
export declare function bundleWorker(options?: { minify?: boolean }): Promise<{ code: string; inputs: string[] }>;
export declare function esbuildWorkerPlugin(): EsbuildPlugin;
export declare function viteWorkerPlugin(): VitePlugin;
