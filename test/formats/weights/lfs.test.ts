import { describe, expect, it } from 'vitest';
import { diffLfsPointers, isLfsPointer, parseLfsPointer } from '../../../src/formats/weights/lfs.js';

const oid = (digit: string): string => `sha256:${digit.repeat(64)}`;
const pointer = (body: string): string => `version https://git-lfs.github.com/spec/v1\n${body}`;

describe('parseLfsPointer', () => {
  it('reads oid and size from a valid pointer', () => {
    expect(parseLfsPointer(pointer(`oid ${oid('a')}\nsize 1048576\n`))).toEqual({ oid: oid('a'), size: 1048576 });
  });

  it('accepts extension keys sorted before oid', () => {
    expect(parseLfsPointer(pointer(`ext-0-foo sha256:${'b'.repeat(64)}\noid ${oid('a')}\nsize 1\n`))).toEqual({ oid: oid('a'), size: 1 });
  });

  it.each([
    ['keys out of order', `size 1\noid ${oid('a')}\n`],
    ['missing final newline', `oid ${oid('a')}\nsize 1`],
    ['uppercase digest', `oid sha256:${'A'.repeat(64)}\nsize 1\n`],
    ['short digest', `oid sha256:${'a'.repeat(63)}\nsize 1\n`],
    ['other hash', `oid sha1:${'a'.repeat(40)}\nsize 1\n`],
    ['negative size', `oid ${oid('a')}\nsize -1\n`],
    ['leading zero', `oid ${oid('a')}\nsize 01\n`],
    ['CRLF', `oid ${oid('a')}\r\nsize 1\r\n`],
    ['blank line', `oid ${oid('a')}\n\nsize 1\n`],
    ['repeated key', `oid ${oid('a')}\noid ${oid('b')}\nsize 1\n`],
    ['missing size', `oid ${oid('a')}\n`],
  ])('rejects %s', (_, body) => {
    expect(parseLfsPointer(pointer(body))).toBeNull();
  });

  it('rejects text without the version line first', () => {
    expect(parseLfsPointer(`oid ${oid('a')}\nsize 1\nversion https://git-lfs.github.com/spec/v1\n`)).toBeNull();
  });
});

describe('isLfsPointer', () => {
  it('is true for pointer bytes and false for large or binary content', () => {
    expect(isLfsPointer(Buffer.from(pointer(`oid ${oid('c')}\nsize 5\n`)))).toBe(true);
    expect(isLfsPointer(Buffer.alloc(2048, 0x61))).toBe(false);
    expect(isLfsPointer(Buffer.from([0xff, 0xfe, 0x00]))).toBe(false);
  });
});

describe('diffLfsPointers', () => {
  it('carries both oids when the object changed', () => {
    expect(diffLfsPointers({ oid: oid('1'), size: 10 }, { oid: oid('2'), size: 10 })).toEqual({
      oldOid: oid('1'),
      newOid: oid('2'),
      oldSize: 10,
      newSize: 10,
    });
  });

  it('is null when nothing changed, and names the missing side as null', () => {
    expect(diffLfsPointers({ oid: oid('1'), size: 10 }, { oid: oid('1'), size: 10 })).toBeNull();
    expect(diffLfsPointers(null, { oid: oid('2'), size: 3 })).toEqual({ oldOid: null, newOid: oid('2'), oldSize: null, newSize: 3 });
  });
});
