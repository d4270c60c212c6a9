import { describe, expect, it } from 'vitest';
import { detectWeightFormat } from '../../../src/formats/weights/detect.js';
import { buildSafetensors, f32 } from './builders/safetensors.js';
import { buildGguf } from './builders/gguf.js';
import { osSystemPayload } from './builders/pickle.js';
import { buildTorchZip, torchStateDictPickle } from './builders/torch.js';
import { buildNpy } from './builders/npy.js';
import { buildZip } from './builders/zip.js';

const lfsPointer = Buffer.from(
  'version https://git-lfs.github.com/spec/v1\noid sha256:' + 'a'.repeat(64) + '\nsize 12\n',
);

describe('detectWeightFormat', () => {
  it('recognises each format by extension when the content says nothing', () => {
    const empty = Buffer.alloc(0);
    const cases: Array<[string, string]> = [
      ['m.safetensors', 'safetensors'],
      ['m.gguf', 'gguf'],
      ['pytorch_model.bin', 'pytorch-zip'],
      ['m.pt', 'pytorch-zip'],
      ['m.pth', 'pytorch-zip'],
      ['last.ckpt', 'pytorch-zip'],
      ['model.onnx', 'onnx'],
      ['model.h5', 'hdf5'],
      ['model.keras', 'keras'],
      ['w.npz', 'npz'],
      ['w.npy', 'numpy'],
      ['obj.pkl', 'pickle'],
      ['flax_model.msgpack', 'msgpack'],
      ['m.tflite', 'tflite'],
      ['model.safetensors.index.json', 'shard-index'],
      ['pytorch_model.bin.index.json', 'shard-index'],
    ];
    for (const [path, format] of cases) {
      expect([path, detectWeightFormat(`models/${path}`, empty)?.format]).toEqual([path, format]);
    }
  });

  it('returns null for files that are not weights by name or content', () => {
    expect(detectWeightFormat('src/train.py', Buffer.from('import torch\n'))).toBeNull();
    expect(detectWeightFormat('config.json', Buffer.from('{"a": 1}'))).toBeNull();
  });

  it('recognises renamed checkpoints by their magic bytes', () => {
    const cases: Array<[Buffer, string]> = [
      [buildSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: f32(1) }]), 'safetensors'],
      [buildGguf({}), 'gguf'],
      [buildTorchZip(torchStateDictPickle()), 'pytorch-zip'],
      [osSystemPayload(), 'pickle'],
      [buildNpy('<f4', [1], f32(1)), 'numpy'],
      [buildZip([{ name: 'a.npy', data: buildNpy('<f4', [1], f32(1)) }]), 'npz'],
      [Buffer.from('\x89HDF\r\n\x1a\n\0\0\0\0', 'latin1'), 'hdf5'],
      [Buffer.from('\x18\0\0\0TFL3\0\0', 'latin1'), 'tflite'],
      [lfsPointer, 'lfs-pointer'],
    ];
    for (const [bytes, format] of cases) {
      const detection = detectWeightFormat('notes.txt', bytes);
      expect(detection).toMatchObject({ format, byExtension: null, byContent: format });
    }
  });

  it('finds an HDF5 signature after a 512-byte user block', () => {
    const bytes = Buffer.concat([Buffer.alloc(512), Buffer.from('\x89HDF\r\n\x1a\n', 'latin1')]);
    expect(detectWeightFormat('x.dat', bytes)?.format).toBe('hdf5');
  });

  it('tells a legacy torch.save file from a plain pickle by its pickled magic number', () => {
    const legacy = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
    expect(detectWeightFormat('model.pt', legacy)).toMatchObject({ format: 'pytorch-legacy', byExtension: 'pytorch-zip' });
  });

  it('lets the content win over the name, keeping both for the caller to compare', () => {
    expect(detectWeightFormat('model.safetensors', osSystemPayload())).toEqual({
      format: 'pickle',
      byExtension: 'safetensors',
      byContent: 'pickle',
      isAdapter: false,
    });
  });

  it('marks adapters and LFS pointers standing in for weights', () => {
    expect(detectWeightFormat('out/adapter_model.safetensors', Buffer.alloc(0))).toMatchObject({ isAdapter: true });
    expect(detectWeightFormat('out/model.safetensors', lfsPointer)).toMatchObject({
      format: 'lfs-pointer',
      byExtension: 'safetensors',
    });
  });

  it('does not take random bytes with a brace at offset 8 and a huge length for safetensors', () => {
    const bytes = Buffer.from('\xff\xff\xff\xff\xff\xff\xff\xff{}', 'latin1');
    expect(detectWeightFormat('blob', bytes)).toBeNull();
  });
});
