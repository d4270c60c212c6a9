import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { decodableNumpyDtype } from '../../../src/formats/weights/numpy/npy-header.js';
import { parsePythonLiteral } from '../../../src/formats/weights/numpy/python-literal.js';
import { summarizeNpy } from '../../../src/formats/weights/numpy/summarize.js';
import { summarizeZip } from '../../../src/formats/weights/zip/summarize.js';
import { buildNpy } from './builders/npy.js';
import { osSystemPayload } from './builders/pickle.js';
import { f32 } from './builders/safetensors.js';
import { buildZip } from './builders/zip.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const codes = (problems: ReadonlyArray<{ code: string }>): string[] => problems.map((problem) => problem.code);

describe('.npy', () => {
  it('summarises a float array: header, shape and the digest of its data', async () => {
    const data = f32(1, 2, 3, 4, 5, 6);
    for (const version of [1, 2]) {
      const facts = await summarizeNpy(bufferSource(buildNpy('<f4', [2, 3], data, version)));
      expect(facts.problems).toEqual([]);
      expect(facts.tensors).toEqual([{ name: 'array', dtype: '<f4', shape: [2, 3], offset: expect.any(Number), length: 24, sha256: sha(data) }]);
      expect(facts.metadata).toEqual({ descr: '<f4', fortran_order: false, shape: [2, 3] });
      expect(facts.globals).toBeUndefined();
    }
  });

  it('flags an object array and walks the pickle that holds it', async () => {
    const facts = await summarizeNpy(bufferSource(buildNpy('|O', [1], osSystemPayload())));
    expect(codes(facts.problems)).toEqual(['numpy-object-array']);
    expect(facts.unsafeGlobals).toEqual(['os.system']);
  });

  it('flags objects hidden in a structured dtype', async () => {
    const npy = buildNpy('<f4', [1], osSystemPayload()).toString('latin1').replace("'descr': '<f4'", "'descr': [('a', '<f4'), ('b', '|O')]");
    const facts = await summarizeNpy(bufferSource(Buffer.from(npy, 'latin1')));
    expect(codes(facts.problems)).toContain('numpy-object-array');
  });

  it('reports data that does not match the shape, and malformed headers', async () => {
    expect(codes((await summarizeNpy(bufferSource(buildNpy('<f4', [3], f32(1))))).problems)).toEqual(['numpy-size-mismatch']);
    const evil = buildNpy('<f4', [1], f32(1)).toString('latin1').replace("'fortran_order': False", "'fortran_order': __import__('os')");
    expect(codes((await summarizeNpy(bufferSource(Buffer.from(evil, 'latin1')))).problems)).toEqual(['numpy-bad-header']);
    expect(codes((await summarizeNpy(bufferSource(Buffer.from('\x93NUMPY\x09\x00\x02\x00{}', 'latin1')))).problems)).toEqual(['numpy-unsupported-version']);
  });

  it('parses only the literal subset numpy writes', () => {
    expect(parsePythonLiteral("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }")).toEqual({ descr: '<f4', fortran_order: true, shape: [2, 3] });
    expect(parsePythonLiteral('{"shape": ()}')).toEqual({ shape: [] });
    expect(parsePythonLiteral("{'a': b'x'}")).toBeNull();
    expect(parsePythonLiteral('['.repeat(100))).toBeNull();
  });

  it('maps little-endian numeric descrs to decodable types and nothing else', () => {
    expect(['<f4', '<f2', '<f8', '|i1', '<i8', '|u1', '|b1', '>f4', '<c8', '|O'].map(decodableNumpyDtype)).toEqual([
      'F32', 'F16', 'F64', 'I8', 'I64', 'U8', 'BOOL', null, null, null,
    ]);
  });
});

describe('.npz', () => {
  it('summarises stored and compressed arrays as tensors named by member', async () => {
    const a = f32(1, 2);
    const b = f32(3);
    const file = buildZip([
      { name: 'weight.npy', data: buildNpy('<f4', [2], a) },
      { name: 'bias.npy', data: buildNpy('<f4', [1], b), deflate: true },
    ]);
    const facts = await summarizeZip(bufferSource(file), 'npz');
    expect(facts.problems).toEqual([]);
    // In file order; a compressed member has no offset in the file (-1) and comes first.
    expect(facts.tensors?.map((tensor) => [tensor.name, tensor.shape, tensor.sha256, tensor.offset >= 0])).toEqual([
      ['bias', [1], sha(b), false],
      ['weight', [2], sha(a), true],
    ]);
    const weight = facts.tensors?.[1];
    expect(file.subarray(weight?.offset, (weight?.offset ?? 0) + (weight?.length ?? 0))).toEqual(a);
  });

  it('finds an object array inside an npz', async () => {
    const file = buildZip([{ name: 'obj.npy', data: buildNpy('|O', [1], osSystemPayload()), deflate: true }]);
    const facts = await summarizeZip(bufferSource(file), 'npz');
    expect(facts.unsafeGlobals).toEqual(['os.system']);
    expect(codes(facts.problems)).toEqual(['numpy-object-array']);
  });
});
