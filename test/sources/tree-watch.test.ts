import { watch, type FSWatcher, type WatchListener } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TreeWatch, type TreeWatchOptions } from '../../src/sources/tree-watch.js';

describe('TreeWatch', () => {
  let root: string;
  let tree: TreeWatch | null = null;
  let hints: string[];
  let troubles: string[];
  let exhausted: string[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfmod-tree-watch-'));
    hints = [];
    troubles = [];
    exhausted = [];
    await mkdir(join(root, 'lib/pkg'), { recursive: true });
    await mkdir(join(root, 'cache/deep'), { recursive: true });
    await writeFile(join(root, 'lib/pkg/a.py'), 'a = 1\n');
  });

  afterEach(async () => {
    tree?.close();
    tree = null;
    await rm(root, { recursive: true, force: true });
  });

  async function start(options: Partial<TreeWatchOptions> = {}): Promise<TreeWatch> {
    tree = new TreeWatch(root, {
      isIgnored: (path) => path === 'cache',
      onHint: (path) => hints.push(path),
      onTrouble: (reason) => troubles.push(reason),
      onExhausted: (code) => exhausted.push(code),
      ...options,
    });
    await tree.start();
    return tree;
  }

  async function hinted(path: string): Promise<void> {
    await expect.poll(() => hints, { timeout: 5_000 }).toContain(path);
  }

  /** Writes until the write is hinted: a watch placed after a move is placed a moment later. */
  async function writeUntilHinted(path: string): Promise<void> {
    let count = 0;
    await expect
      .poll(
        async () => {
          await writeFile(join(root, path), `x = ${++count}\n`);
          return hints;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toContain(path);
  }

  it('watches every directory that is not ignored, and names the file that changed', async () => {
    const watching = await start();
    // '', lib, lib/pkg; not cache or what is under it.
    expect(watching.size).toBe(3);
    await writeFile(join(root, 'lib/pkg/a.py'), 'a = 2\n');
    await hinted('lib/pkg/a.py');
    await writeFile(join(root, 'cache/deep/x.py'), 'x\n');
    await writeFile(join(root, 'top.py'), 'x\n');
    await hinted('top.py');
    expect(hints.filter((path) => path.startsWith('cache/'))).toEqual([]);
  });

  it('watches a directory made after the start, with everything made in it at once', async () => {
    const watching = await start();
    await mkdir(join(root, 'new/deeper/still'), { recursive: true });
    await writeFile(join(root, 'new/deeper/still/planted.py'), 'x = 1\n');
    await hinted('new');
    await expect.poll(() => watching.size, { timeout: 5_000 }).toBe(6);
    hints.length = 0;
    await writeFile(join(root, 'new/deeper/still/planted.py'), 'x = 2\n');
    await hinted('new/deeper/still/planted.py');
  });

  it('stops watching a directory that went, and watches the one moved in under its name', async () => {
    const watching = await start();
    await rm(join(root, 'lib/pkg'), { recursive: true });
    await hinted('lib/pkg');
    await expect.poll(() => watching.size, { timeout: 5_000 }).toBe(2);
    await mkdir(join(root, 'elsewhere'));
    await mkdir(join(root, 'lib/pkg'));
    await hinted('elsewhere');
    hints.length = 0;
    // The old lib/pkg's inode is gone; the one moved in is another and needs a watch of its own.
    await rename(join(root, 'lib/pkg'), join(root, 'elsewhere/pkg'));
    await mkdir(join(root, 'staging'));
    await rename(join(root, 'staging'), join(root, 'lib/pkg'));
    await writeUntilHinted('lib/pkg/b.py');
    await writeUntilHinted('elsewhere/pkg/c.py');
    // '', lib, lib/pkg, elsewhere, elsewhere/pkg: the moved directory's old watch is gone.
    expect(watching.size).toBe(5);
  });

  it('does not follow a symlink put where a directory was', async () => {
    const watching = await start();
    await rm(join(root, 'lib/pkg'), { recursive: true });
    await expect.poll(() => watching.size, { timeout: 5_000 }).toBe(2);
    hints.length = 0;
    await symlink(join(root, 'cache'), join(root, 'lib/pkg'));
    await hinted('lib/pkg');
    await writeFile(join(root, 'cache/x.py'), 'x\n');
    await writeUntilHinted('lib/marker.py');
    expect(watching.size).toBe(2);
    // A watch followed through the link would name the file written in its target.
    expect(hints).not.toContain('lib/pkg/x.py');
  });

  it('names the directory too when a child has its name, since the kernel names the directory itself so', async () => {
    await mkdir(join(root, 'lib/lib'));
    await start();
    await writeFile(join(root, 'lib/lib/x.py'), 'x\n');
    await hinted('lib/lib/x.py');
    await writeFile(join(root, 'lib/lib.py'), 'x\n');
    await rm(join(root, 'lib/lib'), { recursive: true });
    await hinted('lib/lib');
    await hinted('lib');
  });

  it('closes every watch and says so when the kernel has no more to give', async () => {
    let placed = 0;
    const watchDirectory = (path: string, listener: WatchListener<string>): FSWatcher => {
      if (++placed > 2) throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
      return watch(path, listener);
    };
    const watching = await start({ watchDirectory });
    expect(exhausted).toEqual(['ENOSPC']);
    expect(watching.size).toBe(0);
    expect(troubles).toEqual([]);
  });
});
