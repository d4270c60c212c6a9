import { describe, expect, it } from 'vitest';
import { compareElements } from '../../../src/formats/weights/element-compare.js';
import { decodeBfloat16, decodeFloat16 } from '../../../src/formats/weights/element-dtypes.js';

describe('decodeFloat16', () => {
  it.each([
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])('decodes 0x%s', (bits, value) => {
    expect(decodeFloat16(bits)).toBe(value);
  });

  it('decodes NaN and negative zero', () => {
    expect(decodeFloat16(0x7e00)).toBeNaN();
    expect(Object.is(decodeFloat16(0x8000), -0)).toBe(true);
  });

  it('agrees with float32 for every half value that float32 represents exactly', () => {
    const view = new DataView(new ArrayBuffer(4));
    for (let bits = 0; bits < 0x10000; bits += 97) {
      const value = decodeFloat16(bits);
      if (Number.isNaN(value)) continue;
      view.setFloat32(0, value);
      expect(view.getFloat32(0)).toBe(value);
    }
  });
});

describe('decodeBfloat16', () => {
  it('decodes the top half of a float32', () => {
    expect(decodeBfloat16(0x3f80)).toBe(1);
    expect(decodeBfloat16(0xc040)).toBe(-3);
    expect(decodeBfloat16(0x3e80)).toBe(0.25);
    expect(decodeBfloat16(0x7f80)).toBe(Infinity);
    expect(decodeBfloat16(0x7fc0)).toBeNaN();
  });
});

describe('compareElements', () => {
  const f32 = (...values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

  it('counts changed elements and the largest absolute change', () => {
    expect(compareElements('F32', f32(1, 2, 3, 4), f32(1, 2.5, 3, 0))).toEqual({ elementsChanged: 2, maxAbsDelta: 4 });
  });

  it('reports no delta when nothing changed', () => {
    expect(compareElements('F32', f32(1, 2), f32(1, 2))).toEqual({ elementsChanged: 0 });
  });

  it('counts changes to or from NaN and infinity without a distance', () => {
    expect(compareElements('F32', f32(1, 2, 3), f32(NaN, Infinity, 4))).toEqual({ elementsChanged: 3, maxAbsDelta: 1, nonFiniteChanged: 2 });
  });

  it('decodes half precision, bfloat16 and integers', () => {
    expect(compareElements('F16', Buffer.from([0x00, 0x3c]), Buffer.from([0x00, 0xc0]))).toEqual({ elementsChanged: 1, maxAbsDelta: 3 });
    expect(compareElements('BF16', Buffer.from([0x80, 0x3f]), Buffer.from([0x80, 0x3e]))).toEqual({ elementsChanged: 1, maxAbsDelta: 0.75 });
    expect(compareElements('I8', Buffer.from([0x7f]), Buffer.from([0x80]))).toEqual({ elementsChanged: 1, maxAbsDelta: 255 });
    const i64 = (value: bigint): Buffer => {
      const buffer = Buffer.alloc(8);
      buffer.writeBigInt64LE(value);
      return buffer;
    };
    expect(compareElements('I64', i64(-5n), i64(5n))).toEqual({ elementsChanged: 1, maxAbsDelta: 10 });
    expect(compareElements('BOOL', Buffer.from([0, 1]), Buffer.from([1, 1]))).toEqual({ elementsChanged: 1, maxAbsDelta: 1 });
    expect(compareElements('F64', Buffer.from(new Float64Array([1]).buffer), Buffer.from(new Float64Array([1.5]).buffer))).toEqual({
      elementsChanged: 1,
      maxAbsDelta: 0.5,
    });
  });

  it('counts a sign flip of zero as a change of distance 0', () => {
    expect(compareElements('F32', f32(0), f32(-0))).toEqual({ elementsChanged: 1, maxAbsDelta: 0 });
  });
});
