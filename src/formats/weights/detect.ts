import { LFS_VERSION_LINE } from './lfs.js';

/** Every kind of weight file this library recognises. */
export type WeightFormat =
  | 'safetensors'
  | 'gguf'
  | 'pytorch-zip'
  | 'pytorch-legacy'
  | 'pickle'
  | 'numpy'
  | 'npz'
  | 'onnx'
  | 'hdf5'
  | 'tflite'
  | 'msgpack'
  | 'keras'
  | 'shard-index'
  | 'lfs-pointer';

/** What a file is, and how we know. */
export interface WeightFormatDetection {
  /** The format to parse it as: the content's when the content is recognised, else the name's. */
  readonly format: WeightFormat;
  /** What the file name suggests, or null. */
  readonly byExtension: WeightFormat | null;
  /** What the first bytes show, or null. A mismatch with `byExtension` (a pickle named `.safetensors`) is worth reporting. */
  readonly byContent: WeightFormat | null;
  /** A fine-tuning adapter (`adapter_model.*`), not a full model. */
  readonly isAdapter: boolean;
}

/** How many leading bytes {@link detectWeightFormat} looks at; pass at least this many when the file is longer. */
export const DETECT_BYTES = 4096;

const EXTENSIONS: ReadonlyArray<readonly [RegExp, WeightFormat]> = [
  [/\.(safetensors|bin|pt|pth|ckpt)\.index\.json$/i, 'shard-index'],
  [/\.safetensors$/i, 'safetensors'],
  [/\.gguf$/i, 'gguf'],
  [/\.(bin|pt|pth|ckpt)$/i, 'pytorch-zip'],
  [/\.(pkl|pickle)$/i, 'pickle'],
  [/\.npy$/i, 'numpy'],
  [/\.npz$/i, 'npz'],
  [/\.onnx$/i, 'onnx'],
  [/\.(h5|hdf5)$/i, 'hdf5'],
  [/\.keras$/i, 'keras'],
  [/\.tflite$/i, 'tflite'],
  [/\.msgpack$/i, 'msgpack'],
];

const HDF5_SIGNATURE = Buffer.from('\x89HDF\r\n\x1a\n', 'latin1');
/** HDF5 allows a user block before the superblock: the signature may sit at 0, 512, 1024, 2048, … */
const HDF5_OFFSETS = [0, 512, 1024, 2048];
const NUMPY_MAGIC = Buffer.from('\x93NUMPY', 'latin1');
const ZIP_LOCAL = Buffer.from('PK\x03\x04', 'latin1');
const ZIP_EMPTY = Buffer.from('PK\x05\x06', 'latin1');
/** `torch.save`'s legacy format opens with a pickled magic number, 0x1950a86a20f9469cfc6c, as LONG1. */
const TORCH_LEGACY_MAGIC = Buffer.from([0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

/**
 * Recognises a weight file by its name and by its first bytes (at least {@link DETECT_BYTES} of
 * them when the file is longer), so a checkpoint renamed to `notes.txt` is still one. Returns null
 * when neither the name nor the content says weights.
 */
export function detectWeightFormat(path: string, firstBytes: Uint8Array): WeightFormatDetection | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const byExtension = EXTENSIONS.find(([pattern]) => pattern.test(name))?.[1] ?? null;
  const byContent = formatByContent(Buffer.from(firstBytes.buffer, firstBytes.byteOffset, firstBytes.length), byExtension);
  const format = byContent ?? byExtension;
  if (format === null) return null;
  return { format, byExtension, byContent, isAdapter: /^adapter_model\./i.test(name) };
}

function formatByContent(bytes: Buffer, byExtension: WeightFormat | null): WeightFormat | null {
  if (bytes.subarray(0, LFS_VERSION_LINE.length).toString('latin1') === LFS_VERSION_LINE) return 'lfs-pointer';
  if (startsWith(bytes, 0, Buffer.from('GGUF'))) return 'gguf';
  if (startsWith(bytes, 0, ZIP_LOCAL) || startsWith(bytes, 0, ZIP_EMPTY)) return zipFlavour(bytes, byExtension);
  if (startsWith(bytes, 0, NUMPY_MAGIC)) return 'numpy';
  if (HDF5_OFFSETS.some((offset) => startsWith(bytes, offset, HDF5_SIGNATURE))) return 'hdf5';
  if (startsWith(bytes, 4, Buffer.from('TFL3'))) return 'tflite';
  if (bytes[0] === 0x80 && (bytes[1] ?? 0) >= 2 && (bytes[1] ?? 0) <= 5) {
    return startsWith(bytes, 2, TORCH_LEGACY_MAGIC) ? 'pytorch-legacy' : 'pickle';
  }
  if (looksLikeSafetensors(bytes)) return 'safetensors';
  if (byExtension === 'shard-index' && /^\s*\{/.test(bytes.toString('latin1', 0, 64))) return 'shard-index';
  return null;
}

/** An 8-byte little-endian header length below 2^40 followed by the JSON header's `{`. */
function looksLikeSafetensors(bytes: Buffer): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return false;
  const length = bytes.readBigUInt64LE(0);
  return length >= 2n && length < 1n << 40n;
}

/**
 * Which zip-based format: the extension decides when it names one; otherwise the first entry's
 * name (in the local header at offset 30) does: `*.npy` for npz, `data.pkl` or `version` for torch.
 */
function zipFlavour(bytes: Buffer, byExtension: WeightFormat | null): WeightFormat {
  if (byExtension === 'npz' || byExtension === 'keras') return byExtension;
  if (bytes.length >= 30 && startsWith(bytes, 0, ZIP_LOCAL)) {
    const nameLength = bytes.readUInt16LE(26);
    const first = bytes.toString('latin1', 30, Math.min(bytes.length, 30 + nameLength));
    if (/\.npy$/i.test(first)) return 'npz';
    if (/^(metadata|config)\.json$/.test(first)) return 'keras';
  }
  return 'pytorch-zip';
}

function startsWith(bytes: Buffer, offset: number, prefix: Buffer): boolean {
  return bytes.length >= offset + prefix.length && bytes.subarray(offset, offset + prefix.length).equals(prefix);
}
