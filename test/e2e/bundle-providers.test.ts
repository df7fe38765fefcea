/**
 * What reads the provider descriptors loads no provider: `loom --help` (dist/main.cjs) holds no
 * provider code at all, and `config validate` (a self-contained CommonJS bundle) only the
 * descriptors and the SDK-free modules beside them — no SDK, no provider folder's client code.
 * Each bundle's source map names the sources it was built from.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const sources = async (file: string): Promise<string[]> => JSON.parse(await readFile(new URL(`../../dist/${file}.map`, import.meta.url), 'utf8')).sources as string[];
const SDKS = /node_modules\/(openai|@anthropic-ai|@google\/genai)\//;

describe('the bundles that read provider facts load no provider', () => {
  it('loom --help: no provider code, no SDK', async () => {
    const files = await sources('main.cjs');
    expect(files.filter((file) => file.includes('src/providers/') || SDKS.test(file))).toEqual([]);
  });

  it('config validate: the descriptors and the SDK-free modules, no SDK and no provider folder beyond its descriptor', async () => {
    const files = await sources('cjs/config-validate.cjs');
    expect(files.some((file) => file.endsWith('src/providers/descriptors.ts'))).toBe(true);
    expect(files.filter((file) => SDKS.test(file))).toEqual([]);
    const providerFiles = files.filter((file) => file.includes('src/providers/')).map((file) => file.slice(file.indexOf('src/providers/')));
    for (const file of providerFiles) expect(file).toMatch(/^src\/providers\/([a-z-]+\/descriptor|descriptors|key-hints|capabilities|pricing)\.ts$/);
  });
});
