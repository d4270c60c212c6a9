import { createHash } from 'node:crypto';
import type { Prng } from '../prng.js';
import { weightsFile } from '../synthetic-content.js';

/**
 * The burst's files are all ones a built-in rule flags whatever the change, added, edited or
 * deleted: reward modules (reward-module-edited, by name), safetensors shards (weights-file-changed)
 * and the shutdown script (shutdown-script-edited). So every file whose final state differs from
 * the baseline must have been reported.
 */
export type BurstFileKind = 'reward' | 'weights' | 'shutdown';

/** What a file holds at one moment: its digest, and for text the marker of the write that made it. */
export interface FileImage {
  readonly sha256: string;
  /** On the marker line of text files; null for binary files, checked by digest. */
  readonly marker: string | null;
}

export type BurstOperation =
  | { readonly kind: 'write'; readonly path: string; readonly content: Buffer; readonly isCreate: boolean }
  | { readonly kind: 'delete'; readonly path: string };

export interface BurstPlan {
  readonly paths: ReadonlyMap<string, BurstFileKind>;
  /** Files written before the watch starts, with their content. */
  readonly baseline: ReadonlyMap<string, Buffer>;
  readonly operations: readonly BurstOperation[];
  /** Each path's state before and after the burst; null where no file is. */
  readonly before: ReadonlyMap<string, FileImage | null>;
  readonly after: ReadonlyMap<string, FileImage | null>;
}

/** Files per operation: about ten operations land on each file, some on the same file many more times. */
const OPERATIONS_PER_FILE = 10;
/** A few files take this share of all operations: many writes to one file, closer together than events can keep apart. */
const HOT_SHARE = 0.25;
const HOT_FILES = 16;
const DELETE_CHANCE = 0.12;
const FILES_PER_DIRECTORY = 50;

/**
 * A burst of `count` operations: files (half there at the start, the rest created during the burst,
 * half of those in directories that do not exist yet) written over and over, deleted and created
 * again. Every write is different, so the final content names the write that made it.
 */
export function planBurst(rng: Prng, count: number): BurstPlan {
  const fileCount = Math.max(HOT_FILES * 2, Math.round(count / OPERATIONS_PER_FILE));
  const paths = new Map<string, BurstFileKind>([
    ['shutdown.sh', 'shutdown'],
    ['rl/compute_reward.py', 'reward'],
  ]);
  for (let index = 0; paths.size < fileCount; index++) {
    const isWeights = index % 5 < 2;
    const isNewDirectory = index % 4 === 3;
    const directory = `${isWeights ? 'checkpoints/step' : 'rl/env'}${isNewDirectory ? '_new' : ''}_${String(Math.floor(index / FILES_PER_DIRECTORY)).padStart(3, '0')}`;
    const path = isWeights ? `${directory}/shard_${String(index).padStart(5, '0')}.safetensors` : `${directory}/reward_${String(index).padStart(5, '0')}.py`;
    paths.set(path, isWeights ? 'weights' : 'reward');
  }
  const all = [...paths.keys()];
  let writes = 0;
  const render = (path: string): Buffer => renderFile(rng, path, paths.get(path) as BurstFileKind, writes++);

  // Files in the new directories start absent; so does half of the rest.
  const baseline = new Map<string, Buffer>();
  for (const path of all) if (!path.includes('_new_') && (paths.get(path) === 'shutdown' || rng.isChance(0.5))) baseline.set(path, render(path));
  const state = new Map<string, Buffer | null>(all.map((path) => [path, baseline.get(path) ?? null]));

  const hot = all.slice(0, HOT_FILES);
  const operations: BurstOperation[] = [];
  for (let index = 0; index < count; index++) {
    const path = rng.isChance(HOT_SHARE) ? rng.pick(hot) : rng.pick(all);
    const current = state.get(path) ?? null;
    if (current !== null && rng.isChance(DELETE_CHANCE)) {
      operations.push({ kind: 'delete', path });
      state.set(path, null);
    } else {
      const content = render(path);
      operations.push({ kind: 'write', path, content, isCreate: current === null });
      state.set(path, content);
    }
  }
  const image = (path: string, content: Buffer | null | undefined): FileImage | null => (content ? imageOf(paths.get(path) as BurstFileKind, content) : null);
  return {
    paths,
    baseline,
    operations,
    before: new Map(all.map((path) => [path, image(path, baseline.get(path))])),
    after: new Map(all.map((path) => [path, image(path, state.get(path))])),
  };
}

/** The marker on the one line that changes from write to write; fixed width, so none is a prefix of another. */
function writeMarker(write: number): string {
  return `write-${String(write).padStart(8, '0')}`;
}

function renderFile(rng: Prng, path: string, kind: BurstFileKind, write: number): Buffer {
  const marker = writeMarker(write);
  if (kind === 'weights') return weightsFile(rng);
  if (kind === 'shutdown') return Buffer.from(['#!/bin/sh', `GRACE_SECONDS=${rng.int(1, 600)}  # ${marker}`, 'kill -TERM "$AGENT_PID"', ''].join('\n'));
  const name = (path.split('/').pop() ?? 'reward').replace(/\.py$/, '');
  const lines = [
    `"""Reward shaping for ${path}."""`,
    '',
    '',
    `def ${name}(completion, answer):`,
    '    score = 1.0 if completion.strip() == answer.strip() else 0.0',
    `    return score * ${rng.next().toFixed(6)}  # ${marker}`,
    '',
  ];
  for (let index = rng.int(5, 40); index > 0; index--) lines.push(`# note ${index}: rewards are clipped to [0, 1] before the policy update`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

function imageOf(kind: BurstFileKind, content: Buffer): FileImage {
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (kind === 'weights') return { sha256, marker: null };
  const marker = /# (write-\d{8})$/m.exec(content.toString('utf8'))?.[1] ?? null;
  return { sha256, marker };
}
