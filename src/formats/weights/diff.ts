import type { ChangedTensor, ReshapedTensor, RetypedTensor, ShardMapChanges, TensorChanges, TensorRef, WeightsDiff } from './diff-types.js';
import { diffLfsPointers } from './lfs.js';
import { compareText } from './problems.js';
import type { MetadataValue, TensorSummary, WeightsSummary, ZipEntrySummary } from './summary.js';

/**
 * Compares two summaries of one file (null for the side that does not exist) and names what
 * changed: tensors added, removed, reshaped, retyped or changed in content; metadata keys; zip
 * members; shard assignments; LFS object ids. Works from summaries alone, so an old version kept
 * only as a stored summary still yields tensor names. Lists are sorted by name. Returns null when
 * both sides are null.
 */
export function diffWeights(before: WeightsSummary | null, after: WeightsSummary | null): WeightsDiff | null {
  const main = after ?? before;
  if (!main) return null;
  const unsafeGlobals = after?.unsafeGlobals ?? [];
  const problems = main.problems;
  const lfs = before?.lfs || after?.lfs ? diffLfsPointers(before?.lfs ?? null, after?.lfs ?? null) : null;
  const hasTensors = before?.tensors !== undefined || after?.tensors !== undefined;
  const hasMetadata = before?.metadata !== undefined || after?.metadata !== undefined;
  const hasEntries = before?.entries !== undefined || after?.entries !== undefined;
  const hasShards = before?.weightMap !== undefined || after?.weightMap !== undefined;
  const oldSha = before?.fileSha256 ?? null;
  const newSha = after?.fileSha256 ?? null;
  const isOpaque = !hasTensors && !hasEntries && !hasShards && !lfs;
  const headerChanged = before?.header && after?.header && before.format === after.format ? changedKeys(before.header, after.header) : [];
  return {
    format: main.format,
    ...(before && after && before.format !== after.format ? { formatChanged: { old: before.format, new: after.format } } : {}),
    ...(headerChanged.length > 0 ? { headerChanged } : {}),
    ...(hasTensors ? { tensors: diffTensors(before?.tensors ?? [], after?.tensors ?? []) } : {}),
    ...(hasMetadata ? { metadata: diffMetadata(before?.metadata ?? {}, after?.metadata ?? {}) } : {}),
    ...(hasEntries ? { entries: diffEntries(before?.entries ?? [], after?.entries ?? []) } : {}),
    ...(hasShards ? { shards: diffShardMaps(before?.weightMap ?? {}, after?.weightMap ?? {}) } : {}),
    ...(unsafeGlobals.length > 0 ? { unsafeGlobals } : {}),
    ...(lfs ? { lfs } : {}),
    ...(isOpaque && oldSha !== newSha ? { content: { oldSha256: oldSha, newSha256: newSha } } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

function diffTensors(before: readonly TensorSummary[], after: readonly TensorSummary[]): TensorChanges {
  const old = byName(before);
  const added: TensorRef[] = [];
  const changed: ChangedTensor[] = [];
  const reshaped: ReshapedTensor[] = [];
  const retyped: RetypedTensor[] = [];
  for (const tensor of after) {
    const previous = old.get(tensor.name);
    if (!previous) {
      added.push(ref(tensor));
      continue;
    }
    const sameShape = sameList(previous.shape, tensor.shape);
    const sameType = previous.dtype === tensor.dtype;
    if (!sameShape) reshaped.push({ name: tensor.name, dtype: tensor.dtype, oldShape: previous.shape, newShape: tensor.shape });
    if (!sameType) retyped.push({ name: tensor.name, shape: tensor.shape, oldDtype: previous.dtype, newDtype: tensor.dtype });
    if (sameShape && sameType && previous.sha256 !== tensor.sha256) changed.push(ref(tensor));
  }
  const current = byName(after);
  const removed = before.filter((tensor) => !current.has(tensor.name)).map(ref);
  const sorted = <T extends { name: string }>(list: T[]): T[] => list.sort((a, b) => compareText(a.name, b.name));
  return { added: sorted(added), removed: sorted(removed), changed: sorted(changed), reshaped: sorted(reshaped), retyped: sorted(retyped) };
}

function diffMetadata(
  before: Readonly<Record<string, MetadataValue>>,
  after: Readonly<Record<string, MetadataValue>>,
): NonNullable<WeightsDiff['metadata']> {
  const oldKeys = new Set(Object.keys(before));
  const newKeys = new Set(Object.keys(after));
  const changed = [...newKeys].filter((key) => oldKeys.has(key) && JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  const added = [...newKeys].filter((key) => !oldKeys.has(key));
  const removed = [...oldKeys].filter((key) => !newKeys.has(key));
  return {
    changed: changed.sort(compareText),
    ...(added.length > 0 ? { added: added.sort(compareText) } : {}),
    ...(removed.length > 0 ? { removed: removed.sort(compareText) } : {}),
  };
}

function changedKeys(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort(compareText);
}

function diffEntries(before: readonly ZipEntrySummary[], after: readonly ZipEntrySummary[]): NonNullable<WeightsDiff['entries']> {
  const old = byName(before);
  const current = byName(after);
  const changed = after.filter((entry) => {
    const previous = old.get(entry.name);
    return previous !== undefined && (previous.storedSha256 !== entry.storedSha256 || previous.method !== entry.method || previous.size !== entry.size);
  });
  return {
    added: after.filter((entry) => !old.has(entry.name)).map((entry) => entry.name).sort(compareText),
    removed: before.filter((entry) => !current.has(entry.name)).map((entry) => entry.name).sort(compareText),
    changed: changed.map((entry) => entry.name).sort(compareText),
  };
}

function diffShardMaps(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): ShardMapChanges {
  const names = (map: Readonly<Record<string, string>>): string[] => Object.keys(map).sort(compareText);
  return {
    added: names(after).filter((name) => !Object.hasOwn(before, name)).map((name) => ({ name, shard: after[name] as string })),
    removed: names(before).filter((name) => !Object.hasOwn(after, name)).map((name) => ({ name, shard: before[name] as string })),
    moved: names(after)
      .filter((name) => Object.hasOwn(before, name) && before[name] !== after[name])
      .map((name) => ({ name, oldShard: before[name] as string, newShard: after[name] as string })),
  };
}

/** Later duplicates win, as JSON.parse's do; duplicates are reported as problems when parsed. */
function byName<T extends { name: string }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((item) => [item.name, item]));
}

function ref(tensor: TensorSummary): TensorRef {
  return { name: tensor.name, dtype: tensor.dtype, shape: tensor.shape };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
