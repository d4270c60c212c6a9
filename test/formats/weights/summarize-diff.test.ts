import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addElementDeltas,
  bufferSource,
  diffWeights,
  summarizeWeights,
  withFileSource,
  type WeightsSummary,
} from '../../../src/formats/weights/index.js';
import { buildGguf } from './builders/gguf.js';
import { buildNpy } from './builders/npy.js';
import { op, osSystemPayload, pickle } from './builders/pickle.js';
import { buildSafetensors, f32, type TensorSpec } from './builders/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'selfmod-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function summarize(bytes: Buffer, path: string): Promise<WeightsSummary> {
  const summary = await summarizeWeights(bufferSource(bytes), path);
  if (!summary) throw new Error(`${path} not recognised`);
  return summary;
}

function model(values: { q: number[]; k?: number[]; norm?: number[] }): TensorSpec[] {
  return [
    { name: 'layers.0.attn.q.weight', dtype: 'F32', shape: [2, 2], data: f32(...values.q) },
    { name: 'layers.0.attn.k.weight', dtype: 'F32', shape: [2, 2], data: f32(...(values.k ?? [0, 0, 0, 0])) },
    { name: 'layers.0.norm.weight', dtype: 'BF16', shape: [2], data: Buffer.from(values.norm ?? [0x80, 0x3f, 0x80, 0x3f]) },
  ];
}

describe('summarizeWeights + diffWeights on safetensors files', () => {
  it('names the changed tensor and measures it, reading both files from disk', async () => {
    const oldPath = join(dir, 'old.safetensors');
    const newPath = join(dir, 'new.safetensors');
    writeFileSync(oldPath, buildSafetensors(model({ q: [1, 2, 3, 4] }), { format: 'pt' }));
    writeFileSync(newPath, buildSafetensors(model({ q: [1, 2, 3, 4.5], norm: [0x80, 0x3f, 0x00, 0x40] }), { format: 'pt', note: 'tuned' }));
    const diff = await withFileSource(oldPath, (oldSource) =>
      withFileSource(newPath, async (newSource) => {
        const before = await summarizeWeights(oldSource, 'm.safetensors');
        const after = await summarizeWeights(newSource, 'm.safetensors');
        const plain = diffWeights(before, after);
        expect(plain?.tensors?.changed.map((tensor) => tensor.name)).toEqual(['layers.0.attn.q.weight', 'layers.0.norm.weight']);
        return addElementDeltas(plain!, { summary: before!, source: oldSource }, { summary: after!, source: newSource });
      }),
    );
    expect(diff).toEqual({
      format: 'safetensors',
      headerChanged: ['dataStart', 'headerLength', 'headerSha256'], // the new metadata key lengthened the header
      tensors: {
        added: [],
        removed: [],
        changed: [
          { name: 'layers.0.attn.q.weight', dtype: 'F32', shape: [2, 2], elementsChanged: 1, maxAbsDelta: 0.5 },
          { name: 'layers.0.norm.weight', dtype: 'BF16', shape: [2], elementsChanged: 1, maxAbsDelta: 1 },
        ],
        reshaped: [],
        retyped: [],
      },
      metadata: { changed: [], added: ['note'] },
    });
  });

  it('diffs against a summary stored as JSON, without the old file', async () => {
    const before = await summarize(buildSafetensors(model({ q: [1, 2, 3, 4] })), 'm.safetensors');
    const stored = JSON.parse(JSON.stringify(before)) as WeightsSummary;
    const after = await summarize(buildSafetensors(model({ q: [1, 2, 3, 4], k: [9, 9, 9, 9] })), 'm.safetensors');
    expect(diffWeights(stored, after)?.tensors?.changed).toEqual([{ name: 'layers.0.attn.k.weight', dtype: 'F32', shape: [2, 2] }]);
    expect(diffWeights(before, after)).toEqual(diffWeights(stored, after));
  });

  it('lists every tensor for an added or deleted file', async () => {
    const summary = await summarize(buildSafetensors(model({ q: [1, 2, 3, 4] })), 'm.safetensors');
    expect(diffWeights(null, summary)?.tensors?.added.map((tensor) => tensor.name)).toHaveLength(3);
    expect(diffWeights(summary, null)?.tensors?.removed.map((tensor) => tensor.name)).toHaveLength(3);
    expect(diffWeights(null, null)).toBeNull();
  });

  it('sees a payload appended after the last tensor, which no tensor hash covers', async () => {
    const clean = buildSafetensors(model({ q: [1, 2, 3, 4] }));
    const before = await summarize(Buffer.concat([clean, Buffer.from('AAAA')]), 'm.safetensors');
    const after = await summarize(Buffer.concat([clean, Buffer.from('BBBB')]), 'm.safetensors');
    const diff = diffWeights(before, after);
    expect(diff?.headerChanged).toEqual(['unownedSha256']);
    expect(diff?.tensors?.changed).toEqual([]);
    expect(after.header).toMatchObject({ unownedBytes: 4 });
  });

  it('sees bytes hidden in GGUF alignment padding', async () => {
    const file = buildGguf({ tensors: [{ name: 'a', dims: [1], type: 0, data: f32(1) }, { name: 'b', dims: [1], type: 0, data: f32(2) }] });
    const before = await summarize(file, 'm.gguf');
    const tampered = Buffer.from(file);
    tampered[(before.tensors?.[0]?.offset ?? 0) + 4] = 0x41; // inside the padding after tensor a
    const after = await summarize(tampered, 'm.gguf');
    expect(diffWeights(before, after)).toMatchObject({ headerChanged: ['unownedSha256'], tensors: { changed: [] } });
    expect(after.problems).toEqual([]);
  });

  it('reports identical files as no change', async () => {
    const summary = await summarize(buildSafetensors(model({ q: [1, 2, 3, 4] })), 'm.safetensors');
    expect(diffWeights(summary, summary)).toEqual({
      format: 'safetensors',
      tensors: { added: [], removed: [], changed: [], reshaped: [], retyped: [] },
    });
  });

  it('leaves large tensors and spent budgets undecoded', async () => {
    const oldBytes = buildSafetensors(model({ q: [1, 2, 3, 4] }));
    const newBytes = buildSafetensors(model({ q: [0, 2, 3, 4], k: [1, 0, 0, 0] }));
    const before = await summarize(oldBytes, 'm.safetensors');
    const after = await summarize(newBytes, 'm.safetensors');
    const sides = [{ summary: before, source: bufferSource(oldBytes) }, { summary: after, source: bufferSource(newBytes) }] as const;
    const tooBig = await addElementDeltas(diffWeights(before, after)!, ...sides, { maxTensorBytes: 8 });
    expect(tooBig.tensors?.changed.every((tensor) => tensor.elementsChanged === undefined)).toBe(true);
    const budget = await addElementDeltas(diffWeights(before, after)!, ...sides, { maxTotalBytes: 32 });
    expect(budget.tensors?.changed.map((tensor) => tensor.elementsChanged)).toEqual([1, undefined]);
  });
});

describe('summarizeWeights: formats and disguises', () => {
  it('returns null for a file that is not weights', async () => {
    expect(await summarizeWeights(bufferSource(Buffer.from('print(1)\n')), 'train.py')).toBeNull();
  });

  it('sees through a pickle named .safetensors', async () => {
    const before = await summarize(buildSafetensors(model({ q: [1, 2, 3, 4] })), 'model.safetensors');
    const after = await summarize(osSystemPayload(), 'model.safetensors');
    expect(after).toMatchObject({ format: 'pickle', byExtension: 'safetensors', byContent: 'pickle', unsafeGlobals: ['os.system'] });
    expect(after.problems[0]).toEqual({ code: 'format-mismatch', message: 'named like safetensors but the content is pickle' });
    const diff = diffWeights(before, after);
    expect(diff).toMatchObject({ format: 'pickle', formatChanged: { old: 'safetensors', new: 'pickle' }, unsafeGlobals: ['os.system'] });
    expect(diff?.tensors?.removed).toHaveLength(3);
  });

  it('walks the five pickles of a legacy torch.save file and ignores the storage bytes after them', async () => {
    const magic = pickle(op.proto(2), Buffer.from([0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]), op.stop);
    const small = pickle(op.proto(2), op.binint1(1), op.stop);
    const legacy = Buffer.concat([magic, small, small, osSystemPayload(), small, Buffer.from([0x80, 0x02, 0xff, 0x00, 0x01])]);
    const summary = await summarize(legacy, 'old.pt');
    expect(summary).toMatchObject({ format: 'pytorch-legacy', unsafeGlobals: ['os.system'], header: { pickleCount: 5 } });
    expect(summary.problems).toEqual([]);
  });

  it('carries both object ids when a Git LFS pointer changes, and when it becomes the real file', async () => {
    const pointer = (digit: string): Buffer =>
      Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${digit.repeat(64)}\nsize 42\n`);
    const a = await summarize(pointer('a'), 'model.safetensors');
    const b = await summarize(pointer('b'), 'model.safetensors');
    expect(a).toMatchObject({ format: 'lfs-pointer', lfs: { oid: `sha256:${'a'.repeat(64)}`, size: 42 }, problems: [] });
    expect(diffWeights(a, b)).toEqual({
      format: 'lfs-pointer',
      lfs: { oldOid: `sha256:${'a'.repeat(64)}`, newOid: `sha256:${'b'.repeat(64)}`, oldSize: 42, newSize: 42 },
    });
    const real = await summarize(buildSafetensors(model({ q: [1, 2, 3, 4] })), 'model.safetensors');
    expect(diffWeights(a, real)).toMatchObject({ formatChanged: { old: 'lfs-pointer', new: 'safetensors' }, lfs: { newOid: null } });
  });

  it('reports a malformed LFS pointer', async () => {
    const summary = await summarize(Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:xyz\nsize 1\n'), 'm.bin');
    expect(summary.problems.map((problem) => problem.code)).toEqual(['lfs-bad-pointer']);
  });

  it('names tensors whose shard changed in a sharded index, and shard paths leaving the folder', async () => {
    const index = (map: Record<string, string>): Buffer => Buffer.from(JSON.stringify({ metadata: { total_size: 10 }, weight_map: map }));
    const before = await summarize(index({ 'lm_head.weight': 'model-00002.safetensors', 'embed.weight': 'model-00001.safetensors', old: 'model-00001.safetensors' }), 'model.safetensors.index.json');
    const after = await summarize(index({ 'lm_head.weight': '../ref/model-00002.safetensors', 'embed.weight': 'model-00001.safetensors', extra: 'model-00003.safetensors' }), 'model.safetensors.index.json');
    const diff = diffWeights(before, after);
    expect(diff?.shards).toEqual({
      added: [{ name: 'extra', shard: 'model-00003.safetensors' }],
      removed: [{ name: 'old', shard: 'model-00001.safetensors' }],
      moved: [{ name: 'lm_head.weight', oldShard: 'model-00002.safetensors', newShard: '../ref/model-00002.safetensors' }],
    });
    expect(diff?.problems).toEqual([
      { code: 'shard-index-outside-path', message: 'tensor is read from "../ref/model-00002.safetensors", outside the model folder', where: 'lm_head.weight' },
    ]);
    expect(diff?.metadata).toEqual({ changed: [] });
  });

  it('hashes formats it does not parse and reports their digests when they change', async () => {
    const before = await summarize(Buffer.from('\x08\x07\x12\x04onnx', 'latin1'), 'model.onnx');
    const after = await summarize(Buffer.from('\x08\x07\x12\x04onnX', 'latin1'), 'model.onnx');
    expect(before).toMatchObject({ format: 'onnx', fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(diffWeights(before, after)).toEqual({ format: 'onnx', content: { oldSha256: before.fileSha256, newSha256: after.fileSha256 } });
  });

  it('computes element deltas for GGUF float tensors and numpy arrays', async () => {
    const gguf = (values: number[]): Buffer => buildGguf({ tensors: [{ name: 'output.weight', dims: [4], type: 0, data: f32(...values) }] });
    const oldGguf = gguf([1, 1, 1, 1]);
    const newGguf = gguf([1, 1, -1, 1]);
    const beforeGguf = await summarize(oldGguf, 'm.gguf');
    const afterGguf = await summarize(newGguf, 'm.gguf');
    const ggufDiff = await addElementDeltas(diffWeights(beforeGguf, afterGguf)!, { summary: beforeGguf, source: bufferSource(oldGguf) }, { summary: afterGguf, source: bufferSource(newGguf) });
    expect(ggufDiff.tensors?.changed).toEqual([{ name: 'output.weight', dtype: 'F32', shape: [4], elementsChanged: 1, maxAbsDelta: 2 }]);

    const oldNpy = buildNpy('<f4', [2], f32(1, 2));
    const newNpy = buildNpy('<f4', [2], f32(1, 2.25));
    const beforeNpy = await summarize(oldNpy, 'w.npy');
    const afterNpy = await summarize(newNpy, 'w.npy');
    const npyDiff = await addElementDeltas(diffWeights(beforeNpy, afterNpy)!, { summary: beforeNpy, source: bufferSource(oldNpy) }, { summary: afterNpy, source: bufferSource(newNpy) });
    expect(npyDiff.tensors?.changed).toEqual([{ name: 'array', dtype: '<f4', shape: [2], elementsChanged: 1, maxAbsDelta: 0.25 }]);
  });

  it('produces plain JSON that survives a round trip unchanged', async () => {
    const summary = await summarize(buildGguf({ metadata: [['general.name', { type: 'string', value: 'x' }]], tensors: [{ name: 'w', dims: [1], type: 0, data: f32(1) }] }), 'm.gguf');
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});
