import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addElementDeltas, bufferSource, diffWeights, summarizeWeights, type WeightsSummary } from '../../../src/formats/weights/index.js';
import { f32 } from './builders/safetensors.js';
import { buildTorchZip, stateDictPickle, torchStateDictPickle } from './builders/torch.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function summarize(bytes: Buffer, path = 'pytorch_model.bin'): Promise<WeightsSummary> {
  const summary = await summarizeWeights(bufferSource(bytes), path);
  if (!summary) throw new Error('not recognised');
  return summary;
}

describe('PyTorch zip checkpoints: the tensor table from data.pkl', () => {
  it('names each tensor and hashes exactly its bytes in its storage member', async () => {
    const weight = f32(1, 2, 3, 4);
    const bias = f32(5, 6);
    const summary = await summarize(buildTorchZip(torchStateDictPickle(), { storages: { '0': weight, '1': bias } }));
    expect(summary.problems).toEqual([]);
    expect(summary.tensors?.map(({ name, dtype, shape, length, sha256 }) => ({ name, dtype, shape, length, sha256 }))).toEqual([
      { name: 'weight', dtype: 'F32', shape: [2, 2], length: 16, sha256: sha(weight) },
      { name: 'bias', dtype: 'F32', shape: [2], length: 8, sha256: sha(bias) },
    ]);
  });

  it('names the changed tensor of a checkpoint and measures the change', async () => {
    const oldFile = buildTorchZip(torchStateDictPickle(), { storages: { '0': f32(1, 2, 3, 4), '1': f32(5, 6) } });
    const newFile = buildTorchZip(torchStateDictPickle(), { storages: { '0': f32(1, 2, 3, 4), '1': f32(5, 6.5) } });
    const before = await summarize(oldFile);
    const after = await summarize(newFile);
    const diff = diffWeights(before, after)!;
    expect(diff.entries).toEqual({ added: [], removed: [], changed: ['archive/data/1'] });
    const measured = await addElementDeltas(diff, { summary: before, source: bufferSource(oldFile) }, { summary: after, source: bufferSource(newFile) });
    expect(measured.tensors?.changed).toEqual([{ name: 'bias', dtype: 'F32', shape: [2], elementsChanged: 1, maxAbsDelta: 0.5 }]);
  });

  it('follows nested dicts, parameters, _rebuild_tensor_v3 dtypes and views into a shared storage', async () => {
    const pkl = stateDictPickle(
      [
        { name: 'emb', storageKey: '0', size: [2], v3Dtype: 'bfloat16', storageType: 'UntypedStorage', isParameter: true },
        { name: 'head', storageKey: '1', size: [2], storageOffset: 2 },
        { name: 'head_t', storageKey: '1', size: [2, 2], stride: [1, 2] },
      ],
      'state_dict',
    );
    const summary = await summarize(buildTorchZip(pkl, { storages: { '0': Buffer.from([0x80, 0x3f, 0x00, 0x40]), '1': f32(1, 2, 3, 4) } }), 'last.ckpt');
    expect(summary.problems).toEqual([]);
    expect(summary.tensors?.map(({ name, dtype, shape, length }) => [name, dtype, shape, length])).toEqual([
      ['state_dict.emb', 'BF16', [2], 4],
      ['state_dict.head_t', 'F32', [2, 2], 16],
      ['state_dict.head', 'F32', [2], 8],
    ]);
    expect(summary.unsafeGlobals).toEqual([]);
  });

  it('reports tensors whose storage is missing or too short', async () => {
    const pkl = stateDictPickle([
      { name: 'a', storageKey: '7', size: [2] },
      { name: 'b', storageKey: '0', size: [8] },
    ]);
    const summary = await summarize(buildTorchZip(pkl, { storages: { '0': f32(1) } }));
    expect(summary.problems.map((problem) => [problem.code, problem.where])).toEqual([
      ['torch-storage-missing', 'a'],
      ['torch-tensor-out-of-range', 'b'],
    ]);
    expect(summary.tensors).toEqual([]);
  });

  it('does not treat a hostile storage type name as a lookup into Object.prototype', async () => {
    const pkl = stateDictPickle([{ name: 'x', storageKey: '0', size: [1], storageType: 'constructor' }]);
    const summary = await summarize(buildTorchZip(pkl, { storages: { '0': f32(1) } }));
    expect(summary.problems.map((problem) => problem.code)).toEqual(['torch-tensor-unreadable']);
    expect(summary.unsafeGlobals).toEqual(['torch.constructor']);
  });
});
