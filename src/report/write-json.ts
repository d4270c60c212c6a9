import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '../errors.js';
import type { Report } from './report.js';

/** The report as JSON text: two-space indent, trailing newline. */
export function formatJsonReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Writes a file so that readers see the old content or the new, never half of either: the text goes
 * to a temporary file in the same directory, is flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new OutputError(path, `cannot write the report (${reason})`, { cause: error });
  }
}

export function writeJsonReport(path: string, report: Report): Promise<void> {
  return writeFileAtomic(path, formatJsonReport(report));
}
