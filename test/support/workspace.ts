import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A file's content: text as given, anything else written as pretty JSON. */
export type FileContent = string | Record<string, unknown> | unknown[];

/** Makes a temporary folder holding `files` (paths relative to it); removed after the test. */
export async function makeWorkspace(files: Record<string, FileContent> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'loom-test-'));
  created.push(root);
  await writeFiles(root, files);
  return root;
}

export async function writeFiles(root: string, files: Record<string, FileContent>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}
