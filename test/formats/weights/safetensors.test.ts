import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { readSafetensorsHeader } from '../../../src/formats/weights/safetensors/header.js';
import { summarizeSafetensors } from '../../../src/formats/weights/safetensors/summarize.js';
import { buildSafetensors, f32, withHeader } from './builders/safetensors.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function problemCodes(file: Buffer): Promise<string[]> {
  const { problems } = await readSafetensorsHeader(bufferSource(file));
  return problems.map((problem) => problem.code);
}

function tensor(dtype: string, shape: number[], offsets: [number, number]): object {
  return { dtype, shape, data_offsets: offsets };
}

describe('readSafetensorsHeader', () => {
  it('reads tensors in offset order and the metadata map', async () => {
    const file = buildSafetensors(
      [
        { name: 'b', dtype: 'F32', shape: [2], data: f32(1, 2) },
        { name: 'a', dtype: 'BF16', shape: [1, 2], data: Buffer.alloc(4) },
      ],
      { format: 'pt' },
    );
    const { header, problems } = await readSafetensorsHeader(bufferSource(file));
    expect(problems).toEqual([]);
    expect(header?.metadata).toEqual({ format: 'pt' });
    expect(header?.tensors.map((entry) => [entry.name, entry.begin, entry.end])).toEqual([
      ['b', 0, 8],
      ['a', 8, 12],
    ]);
    expect(header?.dataStart).toBe(file.length - 12);
  });

  it('accepts sub-byte dtypes whose bits fill whole bytes', async () => {
    const file = withHeader(JSON.stringify({ q: tensor('F4', [4], [0, 2]) }), Buffer.alloc(2));
    expect(await problemCodes(file)).toEqual([]);
  });

  it.each<[string, Buffer, string[]]>([
    ['a file shorter than the length field', Buffer.alloc(5), ['safetensors-truncated']],
    [
      'a declared length beyond the 100 MB cap, without allocating it',
      Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x10]), Buffer.from('{}')]),
      ['safetensors-header-too-large'],
    ],
    ['a declared length past the end', Buffer.concat([Buffer.from([100, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]), ['safetensors-header-out-of-range']],
    ['bad JSON', withHeader('{"a": ', Buffer.alloc(0)), ['safetensors-header-bad-json']],
    ['a JSON array', withHeader('[1, 2]', Buffer.alloc(0)), ['safetensors-header-bad-json']],
    ['invalid UTF-8', withHeader('{"\xff": 1}', Buffer.alloc(0)).fill(0xff, 10, 11), ['safetensors-header-not-utf8']],
    [
      'overlapping tensors',
      withHeader(JSON.stringify({ a: tensor('F32', [2], [0, 8]), b: tensor('F32', [2], [4, 12]) }), Buffer.alloc(12)),
      ['safetensors-overlap'],
    ],
    [
      'offsets past the data',
      withHeader(JSON.stringify({ a: tensor('F32', [4], [0, 16]) }), Buffer.alloc(8)),
      ['safetensors-offset-out-of-range', 'safetensors-trailing-bytes'],
    ],
    [
      'trailing bytes after the last tensor',
      withHeader(JSON.stringify({ a: tensor('F32', [1], [0, 4]) }), Buffer.alloc(8)),
      ['safetensors-trailing-bytes'],
    ],
    [
      'a gap between tensors',
      withHeader(JSON.stringify({ a: tensor('F32', [1], [0, 4]), b: tensor('F32', [1], [8, 12]) }), Buffer.alloc(12)),
      ['safetensors-gap'],
    ],
    [
      'a length that does not match the shape',
      withHeader(JSON.stringify({ a: tensor('F32', [3], [0, 8]) }), Buffer.alloc(8)),
      ['safetensors-size-mismatch'],
    ],
    ['an unknown dtype', withHeader(JSON.stringify({ a: tensor('F33', [1], [0, 4]) }), Buffer.alloc(4)), ['safetensors-unknown-dtype']],
    [
      'reversed offsets',
      withHeader(JSON.stringify({ a: tensor('U8', [1], [4, 3]) }), Buffer.alloc(4)),
      ['safetensors-bad-offsets', 'safetensors-trailing-bytes'],
    ],
    [
      'a tensor named twice (JSON.parse would silently keep the last)',
      withHeader(`{"a": ${JSON.stringify(tensor('U8', [1], [0, 1]))}, "\\u0061": ${JSON.stringify(tensor('U8', [1], [1, 2]))}}`, Buffer.alloc(2)),
      ['safetensors-duplicate-key', 'safetensors-gap'],
    ],
    ['non-string metadata', withHeader(JSON.stringify({ __metadata__: { n: 1 } }), Buffer.alloc(0)), ['safetensors-bad-metadata']],
    [
      'an unexpected field in a tensor entry',
      withHeader(JSON.stringify({ a: { ...tensor('U8', [1], [0, 1]), payload: 'x' } }), Buffer.alloc(1)),
      ['safetensors-unknown-field'],
    ],
    [
      'a fractional dimension',
      withHeader(JSON.stringify({ a: tensor('U8', [0.5], [0, 1]) }), Buffer.alloc(1)),
      ['safetensors-bad-tensor'],
    ],
  ])('reports %s as a problem, never a throw', async (_, file, codes) => {
    expect(await problemCodes(file)).toEqual(codes);
  });
});

describe('summarizeSafetensors', () => {
  it('hashes each tensor over exactly its bytes, plus the header', async () => {
    const a = f32(1, 2, 3);
    const b = Buffer.from([9, 8]);
    const file = buildSafetensors([
      { name: 'a', dtype: 'F32', shape: [3], data: a },
      { name: 'b', dtype: 'U8', shape: [2], data: b },
    ]);
    const facts = await summarizeSafetensors(bufferSource(file), { fileSha256: true });
    expect(facts.tensors?.map((entry) => [entry.name, entry.sha256, entry.length])).toEqual([
      ['a', sha(a), 12],
      ['b', sha(b), 2],
    ]);
    const headerLength = Number(file.readBigUInt64LE(0));
    expect(facts.header).toMatchObject({ headerLength, dataStart: 8 + headerLength, headerSha256: sha(file.subarray(8, 8 + headerLength)) });
    expect(facts.fileSha256).toBe(sha(file));
    expect(facts.tensors?.[1]?.offset).toBe(8 + headerLength + 12);
  });

  it('still hashes the valid tensors of a file with problems', async () => {
    const file = withHeader(JSON.stringify({ a: tensor('U8', [2], [0, 2]), b: tensor('U8', [9], [2, 99]) }), Buffer.from([1, 2, 3]));
    const facts = await summarizeSafetensors(bufferSource(file));
    expect(facts.tensors?.map((entry) => entry.name)).toEqual(['a']);
    expect(facts.problems.map((problem) => problem.code)).toEqual(['safetensors-offset-out-of-range', 'safetensors-trailing-bytes']);
  });

  it('returns only problems when the header cannot be read', async () => {
    const facts = await summarizeSafetensors(bufferSource(withHeader('{', Buffer.alloc(0))));
    expect(facts.tensors).toBeUndefined();
    expect(facts.problems[0]?.code).toBe('safetensors-header-bad-json');
  });
});
