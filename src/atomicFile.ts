// Writing a file so that no reader ever sees it half-written, and so that processes starting at the same
// moment agree on one version: the content goes to a temporary file beside it, then moves into place in one step.
import { randomUUID } from 'node:crypto';
import { link, rename, unlink, writeFile } from 'node:fs/promises';

/**
 * replace: true moves the new content over whatever is there. replace: false places it only when `path`
 * does not exist yet (link fails on an existing file), and answers false when another process was first.
 */
export async function writeFileAtomic(path: string, content: string, options: { mode: number; replace: boolean }): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, content, { flag: 'wx', mode: options.mode });
  try {
    if (options.replace) {
      await rename(temp, path);
      return true;
    }
    await link(temp, path);
    return true;
  } catch (err) {
    if (!options.replace && (err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined); // gone already after a rename
  }
}
