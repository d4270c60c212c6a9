import { crc32, deflateRawSync } from 'node:zlib';

/** Builds zip archives the way torch.save and numpy.savez do, with optional zip64 records. */

export interface ZipMember {
  readonly name: string;
  readonly data: Buffer;
  readonly deflate?: boolean;
  /** A different name in the local header than in the central directory. */
  readonly localName?: string;
}

export interface ZipOptions {
  /** Write zip64 extra fields and end records (sizes and offsets saturated at 0xFFFFFFFF). */
  readonly zip64?: boolean;
  /** Bytes placed before the archive (a prepended stub). */
  readonly prefix?: Buffer;
  readonly comment?: string;
  /** Align stored data to 64 bytes, as torch does, using an extra field. */
  readonly align64?: boolean;
}

export function buildZip(members: readonly ZipMember[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const stored = member.deflate ? deflateRawSync(member.data) : member.data;
    const method = member.deflate ? 8 : 0;
    const crc = crc32(member.data);
    const localName = Buffer.from(member.localName ?? member.name, 'utf8');
    const name = Buffer.from(member.name, 'utf8');
    const zip64Extra = options.zip64 ? zip64Field([member.data.length, stored.length]) : Buffer.alloc(0);
    let extra = zip64Extra;
    if (options.align64) {
      const unpadded = (options.prefix?.length ?? 0) + offset + 30 + localName.length + extra.length + 4;
      const pad = (64 - (unpadded % 64)) % 64;
      const field = Buffer.alloc(4 + pad);
      field.writeUInt16LE(0x4646, 0); // an arbitrary private id, as torch's "FB" padding field
      field.writeUInt16LE(pad, 2);
      extra = Buffer.concat([extra, field]);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : stored.length, 18);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : member.data.length, 22);
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(extra.length, 28);
    locals.push(local, localName, extra, stored);

    const centralExtra = options.zip64 ? zip64Field([member.data.length, stored.length, offset]) : Buffer.alloc(0);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : stored.length, 20);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : member.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(centralExtra.length, 30);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : offset, 42);
    centrals.push(central, name, centralExtra);
    offset += 30 + localName.length + extra.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '', 'latin1');
  const tail: Buffer[] = [];
  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(members.length), 24);
    record.writeBigUInt64LE(BigInt(members.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.zip64 ? 0xffff : members.length, 8);
  end.writeUInt16LE(options.zip64 ? 0xffff : members.length, 10);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([options.prefix ?? Buffer.alloc(0), ...locals, directory, ...tail, end, comment]);
}

function zip64Field(values: readonly number[]): Buffer {
  const field = Buffer.alloc(4 + 8 * values.length);
  field.writeUInt16LE(0x0001, 0);
  field.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, index) => field.writeBigUInt64LE(BigInt(value), 4 + 8 * index));
  return field;
}
