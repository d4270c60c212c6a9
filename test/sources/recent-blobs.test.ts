import { describe, expect, it } from 'vitest';
import { RecentBlobs } from '../../src/sources/recent-blobs.js';

const bytes = (size: number, fill = 'x') => Buffer.alloc(size, fill);

describe('RecentBlobs', () => {
  it('gives back what it holds, and nothing for ids it never saw', async () => {
    const recent = new RecentBlobs(100);
    recent.remember('a', Promise.resolve(bytes(10, 'a')));
    expect(String(await recent.get('a'))).toBe('a'.repeat(10));
    expect(recent.get('b')).toBeNull();
  });

  it('lets go of the least recently used versions past its byte budget', async () => {
    const recent = new RecentBlobs(100);
    recent.remember('a', Promise.resolve(bytes(40)));
    recent.remember('b', Promise.resolve(bytes(40)));
    await Promise.resolve();
    await recent.get('a');
    recent.remember('c', Promise.resolve(bytes(40)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(recent.get('b')).toBeNull();
    expect(recent.get('a')).not.toBeNull();
    expect(recent.get('c')).not.toBeNull();
  });

  it('does not hold a version larger than its budget, a missing one or a failed read', async () => {
    const recent = new RecentBlobs(100);
    recent.remember('big', Promise.resolve(bytes(101)));
    recent.remember('missing', Promise.resolve(null));
    const failing = Promise.reject(new Error('read failed'));
    recent.remember('failed', failing);
    await failing.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(recent.get('big')).toBeNull();
    expect(recent.get('missing')).toBeNull();
    expect(recent.get('failed')).toBeNull();
  });

  it('shares a read under way: a second asker waits for the same bytes', async () => {
    const recent = new RecentBlobs(100);
    let finish: (value: Buffer) => void = () => undefined;
    recent.remember('a', new Promise<Buffer>((resolve) => (finish = resolve)));
    const waiting = recent.get('a');
    finish(bytes(5, 'z'));
    expect(String(await waiting)).toBe('zzzzz');
  });
});
