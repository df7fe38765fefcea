/**
 * A file written whole or not at all: a temporary file beside it (same folder, so the rename is
 * atomic), renamed over it. A reader — or a process killed mid-write — sees the old file or the
 * new one, never half of one. Used for fixtures and provider-batch manifests.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

export async function writeFileAtomic(path: string, text: string, mode?: number): Promise<void> {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx', ...(mode !== undefined ? { mode } : {}) });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
