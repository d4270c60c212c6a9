import { resolve } from 'node:path';
import { writeFileAtomic } from '../report/write-json.js';
import { manifestLines, MANIFEST_FORMAT } from '../sources/snapshot-manifest.js';
import { compileIgnore } from '../sources/tree-ignore.js';
import { TreeSnapshot } from '../sources/tree-snapshot.js';
import { resolveWatchRoot } from '../watch/run-watch.js';
import { TOOL_VERSION } from '../version.js';
import { parseMegabytes } from './flag-values.js';
import type { CommandIo } from './io.js';

export interface SnapshotFlags {
  readonly output: string;
  readonly ignore: string[];
  readonly defaultIgnores: boolean;
  readonly copyLimit: string;
}

/** Text files up to this size are copied into the manifest, so a later comparison can diff them. */
const MAX_COPY_BYTES = 1024 * 1024;

/**
 * `selfmod snapshot [path] --output <manifest>`: records every file's state (and copies of text
 * files) so that `selfmod scan [path] --against <manifest>` can later report every change since.
 */
export async function snapshotCommand(path: string, flags: SnapshotFlags, io: CommandIo): Promise<number> {
  const copyBudgetBytes = parseMegabytes('--copy-limit', flags.copyLimit);
  const root = await resolveWatchRoot(path);
  const output = resolve(flags.output);
  const relativeOutput = output.startsWith(`${root}/`) ? output.slice(root.length + 1) : null;
  const warnings: string[] = [];
  const isIgnored = compileIgnore({ patterns: flags.ignore, useDefaults: flags.defaultIgnores, ownFiles: relativeOutput ? [relativeOutput] : [] });
  const takenAt = new Date().toISOString();
  const snapshot = await TreeSnapshot.take(root, {
    isIgnored,
    warn: (message) => warnings.push(message),
    maxCopyBytes: MAX_COPY_BYTES,
    copyBudgetBytes,
  });
  const header = {
    format: MANIFEST_FORMAT,
    tool: { name: 'selfmod', version: TOOL_VERSION },
    root,
    takenAt,
    fileCount: snapshot.size,
    ignore: flags.ignore,
    useDefaultIgnores: flags.defaultIgnores,
  } as const;
  await writeFileAtomic(output, manifestLines(header, snapshot), 'the snapshot manifest');
  for (const warning of warnings) io.stderr.write(`selfmod: warning: ${warning}\n`);
  if (relativeOutput) io.stderr.write(`selfmod: warning: ${relativeOutput} is inside the snapshotted tree, where the agent can edit it; keep manifests outside\n`);
  io.stderr.write(`selfmod: snapshot of ${snapshot.size} files in ${root} written to ${flags.output}\n`);
  return 0;
}
