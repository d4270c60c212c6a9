/** Builds safetensors files byte by byte, including deliberately broken ones. */

export interface TensorSpec {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Buffer;
}

/** A valid file: tensors laid out in the order given, header padded with spaces to 8 bytes as the reference writer does. */
export function buildSafetensors(tensors: readonly TensorSpec[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  return withHeader(JSON.stringify(header), Buffer.concat(tensors.map((tensor) => tensor.data)));
}

/** A file with this exact header text and data area (for malformed headers). */
export function withHeader(headerText: string, data: Buffer, pad = true): Buffer {
  let text = headerText;
  if (pad) while ((8 + Buffer.byteLength(text)) % 8 !== 0) text += ' ';
  const json = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

/** Little-endian float32 bytes of the values. */
export function f32(...values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer;
}
