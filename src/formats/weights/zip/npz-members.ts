import { sliceSource, type ByteSource } from '../byte-source.js';
import { inspectNpy } from '../numpy/summarize.js';
import type { ProblemLog } from '../problems.js';
import { hashRange, type ByteRange } from '../range-hasher.js';
import type { ZipEntry } from './directory.js';
import { openZipEntry } from './entry-content.js';

/** An array of an npz: where its data lies in the file (stored members) or its digest (compressed ones). */
export interface NpzArray {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Absolute range of the data in the archive file, for a stored member; null when compressed. */
  readonly range: ByteRange | null;
  /** For a compressed member, the sha256 of its inflated data; null for a stored one (hashed with the file). */
  readonly sha256: string | null;
  readonly globals: readonly string[];
  readonly unsafeGlobals: readonly string[];
  readonly calls: readonly string[];
}

/**
 * Reads the .npy header of every `*.npy` member. A stored member is read in place (any size); a
 * compressed one is inflated within the usual cap. Object arrays get their pickle walked.
 */
export async function inspectNpzMembers(source: ByteSource, entries: readonly ZipEntry[], problems: ProblemLog): Promise<NpzArray[]> {
  const arrays: NpzArray[] = [];
  for (const entry of entries) {
    if (!entry.name.endsWith('.npy')) continue;
    const isStored = entry.method === 0;
    const content = isStored ? sliceSource(source, entry.dataOffset, entry.compressedSize, entry.name) : await openZipEntry(source, entry, problems);
    if (!content) continue;
    const facts = await inspectNpy(content, problems, entry.name);
    if (!facts) continue;
    const inner = { offset: facts.header.dataOffset, length: facts.dataLength };
    arrays.push({
      name: entry.name.slice(0, -'.npy'.length),
      dtype: facts.header.descr,
      shape: facts.header.shape,
      range: isStored ? { offset: entry.dataOffset + inner.offset, length: inner.length } : null,
      sha256: isStored ? null : await hashRange(content, inner),
      globals: facts.globals,
      unsafeGlobals: facts.unsafeGlobals,
      calls: facts.calls,
    });
  }
  return arrays;
}
