import type { ByteSource } from './byte-source.js';
import type { WeightsFacts } from './facts.js';
import { findDuplicateJsonKeys } from './json-duplicate-keys.js';
import { ProblemLog } from './problems.js';
import { hashSource } from './range-hasher.js';
import type { MetadataValue } from './summary.js';

/** Shard indexes list every tensor of a model; even the largest are a few megabytes. */
export const MAX_SHARD_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * A sharded checkpoint's index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`):
 * its `weight_map` of tensor name → shard file and its `metadata`. A shard path that leaves the
 * model's folder is reported: it is how a tensor gets read from someone else's file.
 */
export async function summarizeShardIndex(source: ByteSource): Promise<WeightsFacts> {
  const problems = new ProblemLog();
  const fileSha256 = await hashSource(source);
  if (source.size > MAX_SHARD_INDEX_BYTES) {
    problems.add('shard-index-too-large', `${source.size} bytes is beyond the ${MAX_SHARD_INDEX_BYTES}-byte limit`);
    return { fileSha256, problems: problems.list() };
  }
  let parsed: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await source.read(0, source.size));
    parsed = JSON.parse(text);
  } catch (error) {
    problems.add('shard-index-bad-json', `not UTF-8 JSON: ${(error as Error).message}`);
    return { fileSha256, problems: problems.list() };
  }
  const map = isObject(parsed) ? parsed.weight_map : undefined;
  if (!isObject(map)) {
    problems.add('shard-index-no-weight-map', 'has no weight_map object');
    return { fileSha256, problems: problems.list() };
  }
  for (const key of findDuplicateJsonKeys(text)) problems.add('shard-index-duplicate-key', 'key appears twice', key);
  const weightMap: Array<[string, string]> = [];
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string') {
      problems.add('shard-index-bad-entry', 'shard is not a file name', tensor);
      continue;
    }
    if (shard.startsWith('/') || shard.split(/[\\/]/).includes('..') || /^[a-z]+:\/\//i.test(shard)) {
      problems.add('shard-index-outside-path', `tensor is read from ${JSON.stringify(shard)}, outside the model folder`, tensor);
    }
    weightMap.push([tensor, shard]);
  }
  const metadata = isObject(parsed) && isObject(parsed.metadata) ? scalarEntries(parsed.metadata) : [];
  return {
    fileSha256,
    header: { tensorCount: weightMap.length, shardCount: new Set(weightMap.map(([, shard]) => shard)).size },
    ...(metadata.length > 0 ? { metadata: Object.fromEntries(metadata) } : {}),
    weightMap: Object.fromEntries(weightMap),
    problems: problems.list(),
  };
}

/** Metadata values kept as JSON scalars; nested values are kept as their JSON text. */
function scalarEntries(metadata: Record<string, unknown>): Array<[string, MetadataValue]> {
  return Object.entries(metadata).map(([key, value]) => [
    key,
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value),
  ]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
