import { describe, expect, it } from 'vitest';
import { bufferSource, summarizeWeights } from '../../../src/formats/weights/index.js';
import { buildGguf } from './builders/gguf.js';
import { buildNpy } from './builders/npy.js';
import { everyOpcodePickle, hiddenStackGlobalPayload } from './builders/pickle.js';
import { buildSafetensors, f32 } from './builders/safetensors.js';
import { buildTorchZip, torchStateDictPickle } from './builders/torch.js';
import { buildZip } from './builders/zip.js';

/** A small deterministic generator (xorshift32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const samples: Array<[string, Buffer]> = [
  ['m.safetensors', buildSafetensors([{ name: 'w', dtype: 'F32', shape: [2], data: f32(1, 2) }], { a: 'b' })],
  [
    'm.gguf',
    buildGguf({
      metadata: [
        ['general.alignment', { type: 'u32', value: 32 }],
        ['tok', { type: 'array', elementType: 8, values: Array.from({ length: 80 }, (_, index) => ({ type: 'string' as const, value: `t${index}` })) }],
      ],
      tensors: [{ name: 'w', dims: [2], type: 0, data: f32(1, 2) }, { name: 'q', dims: [32], type: 2, data: Buffer.alloc(18) }],
    }),
  ],
  ['m.pt', buildTorchZip(torchStateDictPickle(), { zip64: true, deflatePickle: true })],
  ['m.pkl', everyOpcodePickle()],
  ['h.pkl', hiddenStackGlobalPayload()],
  ['a.npy', buildNpy('<f4', [2], f32(1, 2))],
  ['a.npz', buildZip([{ name: 'x.npy', data: buildNpy('|O', [1], hiddenStackGlobalPayload()), deflate: true }])],
  ['model.safetensors.index.json', Buffer.from(JSON.stringify({ weight_map: { a: 'x.safetensors' } }))],
];

describe('hostile input', () => {
  it.each(samples)('%s: random corruption and truncation yield problems, never exceptions or hangs', async (path, bytes) => {
    const next = random(bytes.length);
    for (let round = 0; round < 300; round++) {
      const mutated = Buffer.from(bytes.subarray(0, round % 3 === 0 ? Math.floor(next() * bytes.length) : bytes.length));
      const flips = 1 + Math.floor(next() * 4);
      for (let flip = 0; flip < flips && mutated.length > 0; flip++) {
        const at = Math.floor(next() * mutated.length);
        mutated[at] = round % 2 === 0 ? Math.floor(next() * 256) : 0xff;
      }
      const summary = await summarizeWeights(bufferSource(mutated), path);
      if (summary) expect(() => JSON.stringify(summary)).not.toThrow();
    }
  });
});
