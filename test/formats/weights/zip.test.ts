import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { ProblemLog } from '../../../src/formats/weights/problems.js';
import { readZipDirectory } from '../../../src/formats/weights/zip/directory.js';
import { openZipEntry } from '../../../src/formats/weights/zip/entry-content.js';
import { summarizeZip } from '../../../src/formats/weights/zip/summarize.js';
import { osSystemPayload } from './builders/pickle.js';
import { buildTorchZip, torchStateDictPickle } from './builders/torch.js';
import { buildZip } from './builders/zip.js';

const codes = (problems: ReadonlyArray<{ code: string }>): string[] => problems.map((problem) => problem.code);
const TORCH_MEMBERS = ['archive/data.pkl', 'archive/byteorder', 'archive/data/0', 'archive/data/1', 'archive/version', 'archive/.data/serialization_id'];

describe('readZipDirectory', () => {
  it.each([
    ['stored members', {}],
    ['a deflated pickle', { deflatePickle: true }],
    ['zip64 records', { zip64: true }],
    ['a trailing comment', { comment: 'made by torch' }],
  ])('lists a torch checkpoint with %s', async (_, options) => {
    const file = buildTorchZip(torchStateDictPickle(), options);
    const { entries, problems } = await readZipDirectory(bufferSource(file));
    expect(problems).toEqual([]);
    expect(entries.map((entry) => entry.name)).toEqual(TORCH_MEMBERS);
    const storage = entries.find((entry) => entry.name === 'archive/data/0');
    expect(file.subarray(storage?.dataOffset, (storage?.dataOffset ?? 0) + 16)).toEqual(Buffer.alloc(16, 1));
    expect((storage?.dataOffset ?? 1) % 64).toBe(0);
  });

  it('follows data prepended to the archive, and says so', async () => {
    const file = buildTorchZip(torchStateDictPickle(), { prefix: Buffer.from('#!/bin/sh\nexit 0\n') });
    const { entries, problems } = await readZipDirectory(bufferSource(file));
    expect(codes(problems)).toEqual(['zip-prepended-data']);
    expect(entries).toHaveLength(TORCH_MEMBERS.length);
  });

  it('reports a local header that names another file than the directory', async () => {
    const file = buildZip([{ name: 'archive/data.pkl', localName: 'archive/evil.pkl', data: osSystemPayload() }]);
    expect(codes((await readZipDirectory(bufferSource(file))).problems)).toEqual(['zip-name-mismatch']);
  });

  it('reports repeated names and names that leave the archive', async () => {
    const file = buildZip([
      { name: 'a/data.pkl', data: Buffer.from('x') },
      { name: 'a/data.pkl', data: Buffer.from('y') },
      { name: '../etc/passwd', data: Buffer.from('z') },
    ]);
    expect(codes((await readZipDirectory(bufferSource(file))).problems)).toEqual(['zip-duplicate-name', 'zip-unsafe-path']);
  });

  it('reports members that share bytes (the overlapping-member bomb)', async () => {
    const file = buildZip([
      { name: 'a', data: Buffer.alloc(100, 1) },
      { name: 'b', data: Buffer.alloc(100, 2) },
    ]);
    // Point the second directory entry at the first member's local header.
    const second = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    file.writeUInt32LE(0, second + 42);
    expect(codes((await readZipDirectory(bufferSource(file))).problems)).toEqual(['zip-name-mismatch', 'zip-overlapping-entries']);
  });

  it('reports members placed outside the file', async () => {
    const file = buildZip([{ name: 'a', data: Buffer.alloc(10) }]);
    const central = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    file.writeUInt32LE(0x7fffffff, central + 42);
    const { entries, problems } = await readZipDirectory(bufferSource(file));
    expect(entries).toEqual([]);
    expect(codes(problems)).toEqual(['zip-entry-out-of-range']);
  });

  it('refuses a zip64 directory declaring more members than any checkpoint has, before reading it', async () => {
    const file = buildZip([{ name: 'a', data: Buffer.from('x') }], { zip64: true, prefix: Buffer.alloc(400_000) });
    const record = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    file.writeBigUInt64LE(300_000n, record + 24);
    file.writeBigUInt64LE(300_000n, record + 32);
    expect(codes((await readZipDirectory(bufferSource(file))).problems)).toEqual(['zip-too-many-entries']);
  });

  it('never throws on any truncation or byte flip of a checkpoint', async () => {
    const file = buildTorchZip(torchStateDictPickle(), { zip64: true });
    for (let length = 0; length < file.length; length += 13) {
      const { problems } = await readZipDirectory(bufferSource(file.subarray(0, length)));
      expect(problems.length, `cut at ${length}`).toBeGreaterThan(0);
    }
    for (let at = 0; at < file.length; at += 5) {
      const flipped = Buffer.from(file);
      flipped[at] = (flipped[at] as number) ^ 0xff;
      await summarizeZip(bufferSource(flipped), 'pytorch-zip');
    }
  });
});

describe('openZipEntry', () => {
  it('refuses to inflate past its cap, whatever the member declares', async () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const file = buildZip([{ name: 'bomb.pkl', data: zeros, deflate: true }]);
    const central = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    file.writeUInt32LE(10, central + 24); // declares 10 bytes uncompressed
    const { entries } = await readZipDirectory(bufferSource(file));
    const problems = new ProblemLog();
    expect(await openZipEntry(bufferSource(file), entries[0]!, problems, 5000)).toBeNull();
    expect(codes(problems.list())).toEqual(['zip-bomb']);
  });

  it('refuses a member declaring a ratio deflate cannot reach', async () => {
    const file = buildZip([{ name: 'x.pkl', data: Buffer.from('abc'), deflate: true }]);
    const central = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    file.writeUInt32LE(0xfffffff0, central + 24);
    const { entries } = await readZipDirectory(bufferSource(file));
    const problems = new ProblemLog();
    expect(await openZipEntry(bufferSource(file), entries[0]!, problems)).toBeNull();
    expect(codes(problems.list())).toEqual(['zip-bomb']);
  });

  it('checks the CRC of what it reads', async () => {
    const file = buildZip([{ name: 'x.pkl', data: Buffer.from('abc') }]);
    file[file.indexOf('abc')] = 0x41;
    const { entries } = await readZipDirectory(bufferSource(file));
    const problems = new ProblemLog();
    await openZipEntry(bufferSource(file), entries[0]!, problems);
    expect(codes(problems.list())).toEqual(['zip-crc-mismatch']);
  });
});

describe('summarizeZip', () => {
  it('hashes every member and walks data.pkl of a clean checkpoint', async () => {
    const facts = await summarizeZip(bufferSource(buildTorchZip(torchStateDictPickle(), { deflatePickle: true })), 'pytorch-zip');
    expect(facts.problems).toEqual([]);
    expect(facts.unsafeGlobals).toEqual([]);
    expect(facts.calls).toEqual(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2']);
    expect(facts.header).toEqual({ entryCount: 6, pickleMembers: 1, torchScript: false });
    expect(facts.entries?.map((entry) => [entry.name, entry.method])).toEqual(TORCH_MEMBERS.map((name) => [name, name.endsWith('.pkl') ? 8 : 0]));
  });

  it('finds os.system in a poisoned data.pkl, deflated or in zip64', async () => {
    for (const options of [{}, { deflatePickle: true }, { zip64: true }]) {
      const facts = await summarizeZip(bufferSource(buildTorchZip(osSystemPayload(), options)), 'pytorch-zip');
      expect(facts.unsafeGlobals).toEqual(['os.system']);
    }
  });

  it('walks a pickle hidden in a member not named .pkl, but not torch storages', async () => {
    const file = buildZip([
      { name: 'archive/data.pkl', data: torchStateDictPickle() },
      { name: 'archive/extra/state', data: osSystemPayload() },
      { name: 'archive/data/0', data: Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.alloc(14, 0xff)]) },
      { name: 'archive/data/1', data: Buffer.alloc(8) },
    ]);
    const facts = await summarizeZip(bufferSource(file), 'pytorch-zip');
    expect(facts.unsafeGlobals).toEqual(['os.system']);
    expect(facts.header?.pickleMembers).toBe(2);
    expect(facts.problems).toEqual([]);
  });

  it('walks a deflated member that inflates to a pickle', async () => {
    const file = buildTorchZip(torchStateDictPickle(), { storages: { '0': Buffer.alloc(16), '1': Buffer.alloc(8) } });
    const withHidden = buildZip([
      { name: 'archive/data.pkl', data: torchStateDictPickle() },
      { name: 'archive/data/0', data: Buffer.alloc(16) },
      { name: 'archive/data/1', data: Buffer.alloc(8) },
      { name: 'archive/extra/state', data: osSystemPayload(), deflate: true },
    ]);
    expect((await summarizeZip(bufferSource(file), 'pytorch-zip')).unsafeGlobals).toEqual([]);
    const facts = await summarizeZip(bufferSource(withHidden), 'pytorch-zip');
    expect(facts.unsafeGlobals).toEqual(['os.system']);
    expect(facts.header?.pickleMembers).toBe(2);
  });

  it('notes TorchScript code members', async () => {
    const file = buildZip([
      { name: 'm/data.pkl', data: torchStateDictPickle() },
      { name: 'm/code/__torch__/model.py', data: Buffer.from('def forward(self):\n  pass\n') },
    ]);
    expect((await summarizeZip(bufferSource(file), 'pytorch-zip')).header?.torchScript).toBe(true);
  });

  it('flags a Keras Lambda layer', async () => {
    const config = JSON.stringify({ config: { layers: [{ class_name: 'Lambda', config: { function: 'gAAA' } }] } });
    const file = buildZip([
      { name: 'metadata.json', data: Buffer.from('{}') },
      { name: 'config.json', data: Buffer.from(config), deflate: true },
      { name: 'model.weights.h5', data: Buffer.from('\x89HDF\r\n\x1a\n', 'latin1') },
    ]);
    expect(codes((await summarizeZip(bufferSource(file), 'keras')).problems)).toEqual(['keras-lambda-layer']);
  });

  it('keeps deflated members hashed by their stored bytes', async () => {
    const data = Buffer.from('some text '.repeat(100));
    const file = buildZip([{ name: 'notes.txt', data, deflate: true }]);
    const facts = await summarizeZip(bufferSource(file), 'pytorch-zip');
    const { createHash } = await import('node:crypto');
    expect(facts.entries?.[0]?.storedSha256).toBe(createHash('sha256').update(deflateRawSync(data)).digest('hex'));
  });
});
