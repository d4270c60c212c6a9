import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { diffWeights } from '../../../src/formats/weights/diff.js';
import { GGML_TYPES } from '../../../src/formats/weights/gguf/ggml-types.js';
import { summarizeGguf } from '../../../src/formats/weights/gguf/summarize.js';
import { summarizeWeights } from '../../../src/formats/weights/summarize.js';
import { buildGguf, type GgufSpec, type GgufValue } from './builders/gguf.js';
import { f32 } from './builders/safetensors.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const F32 = 0;
const Q4_0 = 2;
const Q4_K = 12;

const everyType: ReadonlyArray<readonly [string, GgufValue]> = [
  ['t.u8', { type: 'u8', value: 200 }],
  ['t.i8', { type: 'i8', value: -100 }],
  ['t.u16', { type: 'u16', value: 60000 }],
  ['t.i16', { type: 'i16', value: -30000 }],
  ['t.u32', { type: 'u32', value: 4000000000 }],
  ['t.i32', { type: 'i32', value: -2000000000 }],
  ['t.f32', { type: 'f32', value: 0.5 }],
  ['t.f64', { type: 'f64', value: -1.25 }],
  ['t.u64', { type: 'u64', value: 18446744073709551615n }],
  ['t.i64', { type: 'i64', value: -5n }],
  ['t.bool', { type: 'bool', value: true }],
  ['t.string', { type: 'string', value: 'llama' }],
  ['t.array', { type: 'array', elementType: 5, values: [{ type: 'i32', value: 1 }, { type: 'i32', value: -2 }] }],
  [
    't.nested',
    {
      type: 'array',
      elementType: 9,
      values: [
        { type: 'array', elementType: 8, values: [{ type: 'string', value: 'a' }] },
        { type: 'array', elementType: 7, values: [{ type: 'bool', value: false }] },
      ],
    },
  ],
];

function vocabulary(size: number, last = 'end'): GgufValue {
  return {
    type: 'array',
    elementType: 8,
    values: Array.from({ length: size }, (_, index) => ({ type: 'string' as const, value: index === size - 1 ? last : `tok${index}` })),
  };
}

function model(template: string, weights = f32(1, 2, 3, 4)): GgufSpec {
  return {
    metadata: [
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['tokenizer.chat_template', { type: 'string', value: template }],
      ['tokenizer.ggml.tokens', vocabulary(1000)],
    ],
    tensors: [
      { name: 'token_embd.weight', dims: [2, 2], type: F32, data: weights },
      { name: 'blk.0.attn_q.weight', dims: [32], type: Q4_0, data: Buffer.alloc(18, 7) },
    ],
  };
}

describe('GGUF header', () => {
  it('reads metadata values of every type, nested arrays included', async () => {
    const facts = await summarizeGguf(bufferSource(buildGguf({ metadata: everyType })));
    expect(facts.problems).toEqual([]);
    expect(facts.metadata).toEqual({
      't.u8': 200,
      't.i8': -100,
      't.u16': 60000,
      't.i16': -30000,
      't.u32': 4000000000,
      't.i32': -2000000000,
      't.f32': 0.5,
      't.f64': -1.25,
      't.u64': '18446744073709551615',
      't.i64': -5,
      't.bool': true,
      't.string': 'llama',
      't.array': [1, -2],
      't.nested': [['a'], [false]],
    });
    expect(facts.header).toMatchObject({ version: 3, kvCount: everyType.length, tensorCount: 0, alignment: 32 });
  });

  it('reads version 2 files too', async () => {
    const facts = await summarizeGguf(bufferSource(buildGguf({ ...model('x'), version: 2 })));
    expect(facts.header?.version).toBe(2);
    expect(facts.tensors).toHaveLength(2);
  });

  it('keeps a vocabulary as a digest, not 1000 strings', async () => {
    const facts = await summarizeGguf(bufferSource(buildGguf(model('x'))));
    expect(facts.metadata?.['tokenizer.ggml.tokens']).toMatchObject({ digested: 'array of string', length: 1000 });
    expect(JSON.stringify(facts).length).toBeLessThan(2000);
  });

  it('hashes tensors by their ggml sizes in the aligned data area', async () => {
    const weights = f32(1, 2, 3, 4);
    const quantised = Buffer.alloc(18, 7);
    const facts = await summarizeGguf(bufferSource(buildGguf(model('x', weights))));
    expect(facts.tensors?.map((tensor) => [tensor.name, tensor.dtype, tensor.shape, tensor.length, tensor.sha256])).toEqual([
      ['token_embd.weight', 'F32', [2, 2], 16, sha(weights)],
      ['blk.0.attn_q.weight', 'Q4_0', [32], 18, sha(quantised)],
    ]);
    expect((facts.tensors?.[0]?.offset ?? 1) % 32).toBe(0);
  });

  it('honours general.alignment', async () => {
    const spec: GgufSpec = { ...model('x'), alignment: 64, metadata: [['general.alignment', { type: 'u32', value: 64 }]] };
    const facts = await summarizeGguf(bufferSource(buildGguf(spec)));
    expect(facts.problems).toEqual([]);
    expect(facts.header?.alignment).toBe(64);
    expect(facts.tensors?.map((tensor) => tensor.offset % 64)).toEqual([0, 0]);
  });

  it('hashes a tensor of unknown type up to the next tensor', async () => {
    const spec: GgufSpec = {
      tensors: [
        { name: 'odd', dims: [10], type: 99, data: Buffer.alloc(40, 3) },
        { name: 'next', dims: [1], type: F32, data: f32(5) },
      ],
    };
    const facts = await summarizeGguf(bufferSource(buildGguf(spec)));
    expect(facts.tensors?.[0]).toMatchObject({ name: 'odd', dtype: 'type99', length: 64 });
    expect(facts.problems.map((problem) => problem.code)).toEqual(['gguf-unknown-tensor-size']);
  });

  it.each<[string, GgufSpec | Buffer, string]>([
    ['version 1', { version: 1 }, 'gguf-unsupported-version'],
    ['a big-endian file', Buffer.from('GGUF\0\0\0\x03' + '\0'.repeat(16), 'latin1'), 'gguf-big-endian'],
    ['a bad magic', Buffer.from('GGUX\x03\0\0\0' + '\0'.repeat(16), 'latin1'), 'gguf-bad-magic'],
    ['a misaligned tensor', { tensors: [{ name: 'w', dims: [1], type: F32, data: f32(1), offset: 4 }] }, 'gguf-misaligned-tensor'],
    [
      'overlapping tensors',
      {
        tensors: [
          { name: 'a', dims: [16], type: F32, data: Buffer.alloc(64) },
          { name: 'b', dims: [1], type: F32, data: f32(1), offset: 32 },
        ],
      },
      'gguf-overlap',
    ],
    ['bytes after the last tensor', { tensors: [{ name: 'a', dims: [1], type: F32, data: f32(1) }], trailing: Buffer.alloc(100) }, 'gguf-trailing-bytes'],
    [
      'a duplicate key',
      { metadata: [['k', { type: 'u8', value: 1 }], ['k', { type: 'u8', value: 2 }]] },
      'gguf-duplicate-key',
    ],
    ['too many dimensions', { tensors: [{ name: 'a', dims: [1, 1, 1, 1, 1], type: F32, data: f32(1) }] }, 'gguf-too-many-dims'],
    ['a non-power-of-two alignment', { metadata: [['general.alignment', { type: 'u32', value: 24 }]] }, 'gguf-bad-alignment'],
    ['a block type with a partial block', { tensors: [{ name: 'q', dims: [33], type: Q4_0, data: Buffer.alloc(36) }] }, 'gguf-unknown-tensor-size'],
  ])('reports %s', async (_, spec, code) => {
    const file = Buffer.isBuffer(spec) ? spec : buildGguf(spec);
    const facts = await summarizeGguf(bufferSource(file));
    expect(facts.problems.map((problem) => problem.code)).toContain(code);
  });

  it('refuses counts that cannot fit in the file before looping over them', async () => {
    const file = Buffer.alloc(24);
    file.write('GGUF', 0, 'latin1');
    file.writeUInt32LE(3, 4);
    file.writeBigUInt64LE(0xffffffffffffn, 8);
    const facts = await summarizeGguf(bufferSource(file));
    expect(facts.problems.map((problem) => problem.code)).toEqual(['gguf-count-out-of-range']);
  });

  it('refuses a string length larger than the file', async () => {
    const file = buildGguf({ metadata: [['k', { type: 'string', value: 'abc' }]] });
    file.writeBigUInt64LE(1n << 60n, 24); // the key's length
    const facts = await summarizeGguf(bufferSource(file));
    expect(facts.problems.map((problem) => problem.code)).toEqual(['gguf-length-out-of-range']);
  });

  it('never throws on any truncation of a real-shaped file', async () => {
    const file = buildGguf({ ...model('{{ messages }}'), metadata: [...everyType, ...(model('x').metadata ?? [])] });
    const whole = await summarizeGguf(bufferSource(file));
    const last = whole.tensors?.[whole.tensors.length - 1];
    // Cutting only the final padding leaves every tensor whole, which is not a problem.
    const lastTensorEnd = (last?.offset ?? 0) + (last?.length ?? 0);
    for (let length = 0; length < lastTensorEnd; length += 7) {
      const facts = await summarizeGguf(bufferSource(file.subarray(0, length)));
      expect(facts.problems.length, `cut at ${length}`).toBeGreaterThan(0);
    }
  });

  it('knows the block sizes of the k-quants and i-quants', () => {
    const sizes = Object.fromEntries([...GGML_TYPES.values()].map((type) => [type.name, [type.blockSize, type.typeSize]]));
    expect(sizes).toMatchObject({
      Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22], Q5_1: [32, 24], Q8_0: [32, 34], Q8_1: [32, 36],
      Q2_K: [256, 84], Q3_K: [256, 110], Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210], Q8_K: [256, 292],
      IQ2_XXS: [256, 66], IQ2_XS: [256, 74], IQ3_XXS: [256, 98], IQ1_S: [256, 50], IQ4_NL: [32, 18], IQ3_S: [256, 110],
      IQ2_S: [256, 82], IQ4_XS: [256, 136], IQ1_M: [256, 56], TQ1_0: [256, 54], TQ2_0: [256, 66], MXFP4: [32, 17],
      BF16: [1, 2], F64: [1, 8], I64: [1, 8],
    });
    expect(GGML_TYPES.get(Q4_K)?.name).toBe('Q4_K');
  });
});

describe('GGUF diff', () => {
  it('names a changed chat template and a changed tensor', async () => {
    const before = await summarizeWeights(bufferSource(buildGguf(model('{{ messages }}'))), 'm.gguf');
    const after = await summarizeWeights(bufferSource(buildGguf(model('{{ messages }}{{ "obey me" }}', f32(1, 2, 3, 5)))), 'm.gguf');
    const diff = diffWeights(before, after);
    expect(diff?.metadata).toEqual({ changed: ['tokenizer.chat_template'] });
    expect(diff?.tensors?.changed).toEqual([{ name: 'token_embd.weight', dtype: 'F32', shape: [2, 2] }]);
    expect(diff?.tensors?.added).toEqual([]);
  });

  it('sees a change deep inside a digested vocabulary', async () => {
    const spec = (last: string): GgufSpec => ({ metadata: [['tokenizer.ggml.tokens', vocabulary(500, last)]] });
    const before = await summarizeWeights(bufferSource(buildGguf(spec('end'))), 'm.gguf');
    const after = await summarizeWeights(bufferSource(buildGguf(spec('END'))), 'm.gguf');
    expect(diffWeights(before, after)?.metadata).toEqual({ changed: ['tokenizer.ggml.tokens'] });
  });

  it('names tensors added, removed, reshaped and retyped', async () => {
    const before = await summarizeWeights(
      bufferSource(buildGguf({
        metadata: [['old.key', { type: 'u8', value: 1 }]],
        tensors: [
          { name: 'keep', dims: [1], type: F32, data: f32(1) },
          { name: 'gone', dims: [1], type: F32, data: f32(1) },
          { name: 'shape', dims: [2], type: F32, data: f32(1, 2) },
          { name: 'type', dims: [32], type: F32, data: Buffer.alloc(128) },
        ],
      })),
      'm.gguf',
    );
    const after = await summarizeWeights(
      bufferSource(buildGguf({
        metadata: [['new.key', { type: 'u8', value: 1 }]],
        tensors: [
          { name: 'keep', dims: [1], type: F32, data: f32(1) },
          { name: 'shape', dims: [1, 2], type: F32, data: f32(1, 2) },
          { name: 'type', dims: [32], type: Q4_0, data: Buffer.alloc(18) },
          { name: 'new', dims: [1], type: F32, data: f32(1) },
        ],
      })),
      'm.gguf',
    );
    const diff = diffWeights(before, after);
    expect(diff?.tensors).toEqual({
      added: [{ name: 'new', dtype: 'F32', shape: [1] }],
      removed: [{ name: 'gone', dtype: 'F32', shape: [1] }],
      changed: [],
      reshaped: [{ name: 'shape', dtype: 'F32', oldShape: [2], newShape: [1, 2] }],
      retyped: [{ name: 'type', shape: [32], oldDtype: 'F32', newDtype: 'Q4_0' }],
    });
    expect(diff?.metadata).toEqual({ changed: [], added: ['new.key'], removed: ['old.key'] });
  });
});
