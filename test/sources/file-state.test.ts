import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CopyBudget, readFileState } from '../../src/sources/file-state.js';
import { ParentCheck } from '../../src/sources/worktree-file.js';

describe('readFileState', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'selfmod-file-state-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps a small text copy in memory of its own, not a slice of a shared allocation pool', async () => {
    const text = 'def compute_reward(completion):\n    return score(completion)\n'.repeat(20);
    await writeFile(join(root, 'reward.py'), text);
    const budget = new CopyBudget(1024 * 1024);
    const { state, bytes } = await readFileState(root, 'reward.py', { maxCopyBytes: 64 * 1024, budget, parents: new ParentCheck(root), keepBytes: 0 });
    expect(state?.type).toBe('file');
    const content = state?.type === 'file' ? state.content : null;
    expect(content?.toString('utf8')).toBe(text);
    // A slice of Node's 8 KB pool would keep the whole slab, and whatever else is in it, alive.
    expect(content?.buffer.byteLength).toBe(text.length);
    expect(bytes?.toString('utf8')).toBe(text);
  });

  it('copies nothing once the budget is spent, and says so', async () => {
    await writeFile(join(root, 'a.py'), 'x = 1\n');
    const budget = new CopyBudget(2);
    const { state } = await readFileState(root, 'a.py', { maxCopyBytes: 64 * 1024, budget, parents: new ParentCheck(root) });
    expect(state?.type === 'file' ? state.content : 'not a file').toBeNull();
    expect(budget.hasRunOut).toBe(true);
  });
});
