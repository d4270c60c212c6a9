import { Prng } from './prng.js';
import { createContent, editContent, identifier, WORDS, type FileContent, type FileKind } from './synthetic-content.js';

export interface HistoryOptions {
  /** Commits reachable from the final main, merges and side-branch commits included. */
  readonly commits: number;
  readonly seed: number;
}

interface FileState {
  readonly kind: FileKind;
  readonly content: FileContent;
  /** How often this file is picked relative to others: a few files are edited far more often. */
  readonly weight: number;
}

/** A short-lived side branch that owns a few files until it is merged back. */
interface Topic {
  readonly files: Map<string, FileState>;
  tip: number;
  commitsLeft: number;
}

/** Where files live and how many of each a new repository starts with. */
const LAYOUT: readonly { dir: string; prefix: string; ext: string; kind: FileKind; initial: number }[] = [
  { dir: 'src/models/', prefix: '', ext: '.py', kind: 'python', initial: 70 },
  { dir: 'src/data/', prefix: '', ext: '.py', kind: 'python', initial: 20 },
  { dir: 'src/utils/', prefix: '', ext: '.py', kind: 'python', initial: 15 },
  { dir: 'rl/', prefix: '', ext: '.py', kind: 'python', initial: 6 },
  { dir: 'configs/', prefix: '', ext: '.yaml', kind: 'yaml', initial: 45 },
  { dir: 'tests/', prefix: 'test_', ext: '.py', kind: 'python', initial: 55 },
  { dir: 'docs/', prefix: '', ext: '.md', kind: 'markdown', initial: 30 },
  { dir: 'data/', prefix: '', ext: '.jsonl', kind: 'jsonl', initial: 20 },
  { dir: 'checkpoints/', prefix: '', ext: '.safetensors', kind: 'weights', initial: 4 },
];
const FIXED_FILES = ['train.py', 'evaluate.py', 'rl/compute_reward.py'];
const AUTHORS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Claude Shannon', 'agent-runner'];
const VERBS = ['fix', 'tune', 'refactor', 'add', 'clean up', 'speed up', 'document', 'simplify'];
const START_TIME = 1_672_531_200; // 2023-01-01T00:00:00Z

/**
 * The whole history as a `git fast-import` stream, chunk by chunk: an initial import of a few
 * hundred files, then commits that each edit one to five of them (with occasional renames,
 * deletions and new files), and now and then a side branch merged back with a merge commit.
 */
export function* fastImportStream(options: HistoryOptions): Generator<string | Buffer> {
  const rng = new Prng(options.seed);
  const files = new Map<string, FileState>();
  let mark = 0;
  let time = START_TIME;
  let mainTip = 0;
  let topic: Topic | null = null;
  let mainCommitsSinceBranch = 0;

  const header = (ref: string, message: string, from: number, merge: number | null): string => {
    mark++;
    time += rng.int(120, 7200);
    const author = rng.pick(AUTHORS);
    const identity = `${author} <${author.toLowerCase().replace(/\W+/g, '.')}@example.com> ${time} +0000`;
    const parents = (from ? `from :${from}\n` : '') + (merge ? `merge :${merge}\n` : '');
    return `commit ${ref}\nmark :${mark}\nauthor ${identity}\ncommitter ${identity}\ndata ${Buffer.byteLength(message)}\n${message}\n${parents}`;
  };
  const write = (path: string, content: FileContent): (string | Buffer)[] => {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(`${content.join('\n')}\n`, 'utf8');
    return [`M 100644 inline ${path}\ndata ${bytes.length}\n`, bytes, '\n'];
  };
  const newPath = (dir: string, prefix: string, ext: string): string => {
    for (;;) {
      const path = `${dir}${prefix}${identifier(rng)}${ext}`;
      if (!files.has(path) && !topic?.files.has(path)) return path;
    }
  };
  const createFile = (path: string, kind: FileKind): FileState => ({
    kind,
    content: createContent(rng, kind, path, rng.isChance(0.7) ? rng.int(50, 200) : rng.int(200, 400)),
    weight: (kind === 'weights' ? 0.3 : kind === 'jsonl' ? 0.7 : 1) * (rng.isChance(0.12) ? 8 : 1),
  });

  yield 'feature done\n';
  const initial: (string | Buffer)[] = [header('refs/heads/main', 'Initial import\n', 0, null)];
  for (const path of FIXED_FILES) files.set(path, { ...createFile(path, 'python'), weight: 6 });
  for (const place of LAYOUT) {
    for (let count = 0; count < place.initial; count++) {
      const path = newPath(place.dir, place.prefix, place.ext);
      files.set(path, createFile(path, place.kind));
    }
  }
  for (const [path, file] of files) initial.push(...write(path, file.content));
  yield* initial;
  yield '\n';
  mainTip = mark;

  for (let made = 1; made < options.commits; made++) {
    const left = options.commits - made;
    if (topic === null && left > 30 && rng.isChance(1 / 120)) {
      topic = startTopic(rng, files, mainTip);
      mainCommitsSinceBranch = 0;
    }
    if (topic !== null) {
      const isTopicTurn = topic.commitsLeft > 0 && (rng.isChance(0.5) || left <= topic.commitsLeft + 1);
      if (isTopicTurn) {
        topic.commitsLeft--;
        const parts = [header('refs/heads/topic', commitMessage(rng, 'wip'), topic.tip, null)];
        parts.push(...modifyFiles(rng, topic.files, rng.int(1, 2), new Set(), write));
        topic.tip = mark;
        yield* parts;
        yield '\n';
        continue;
      }
      if (topic.commitsLeft === 0 && (mainCommitsSinceBranch > 0 || left === 1) && (rng.isChance(0.4) || left === 1)) {
        const parts = [header('refs/heads/main', `Merge branch 'topic'\n`, mainTip, topic.tip)];
        for (const [path, file] of topic.files) {
          files.set(path, file);
          parts.push(...write(path, file.content));
        }
        // Some merges also change something of their own, which only a merge-aware diff shows.
        if (rng.isChance(0.25)) parts.push(...modifyFiles(rng, files, 1, new Set(topic.files.keys()), write));
        mainTip = mark;
        topic = null;
        yield* parts;
        yield '\n';
        continue;
      }
    }
    const reserved = new Set(topic?.files.keys() ?? []);
    const parts = [header('refs/heads/main', commitMessage(rng, ''), mainTip, null)];
    parts.push(...mainChanges(rng, files, reserved, write, newPath, createFile));
    mainTip = mark;
    mainCommitsSinceBranch++;
    yield* parts;
    yield '\n';
  }
  yield 'done\n';
}

function startTopic(rng: Prng, files: Map<string, FileState>, from: number): Topic {
  const owned = new Map<string, FileState>();
  const paths = [...files.keys()].filter((path) => files.get(path)?.kind !== 'weights');
  while (owned.size < 4) {
    const path = rng.pick(paths);
    owned.set(path, files.get(path) as FileState);
  }
  return { files: owned, tip: from, commitsLeft: rng.int(2, 6) };
}

function commitMessage(rng: Prng, prefix: string): string {
  const subject = `${prefix ? `${prefix}: ` : ''}${rng.pick(VERBS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
  return rng.isChance(0.3) ? `${subject}\n\nFollow-up to the ${rng.pick(WORDS)} change.\n` : `${subject}\n`;
}

/** `count` distinct paths, picked by weight, none of them in `excluded`. */
function distinctPicks(rng: Prng, files: Map<string, FileState>, count: number, excluded: ReadonlySet<string>): string[] {
  const paths = [...files.keys()].filter((path) => !excluded.has(path));
  const weights = paths.map((path) => files.get(path)?.weight ?? 1);
  const picked = new Set<string>();
  for (let attempt = 0; picked.size < Math.min(count, paths.length) && attempt < count * 10; attempt++) {
    picked.add(rng.pickWeighted(paths, weights));
  }
  return [...picked];
}

type WriteFile = (path: string, content: FileContent) => (string | Buffer)[];

function modifyFiles(rng: Prng, files: Map<string, FileState>, count: number, excluded: ReadonlySet<string>, write: WriteFile): (string | Buffer)[] {
  const parts: (string | Buffer)[] = [];
  for (const path of distinctPicks(rng, files, count, excluded)) {
    const file = files.get(path) as FileState;
    const edited = { ...file, content: editContent(rng, file.kind, file.content) };
    files.set(path, edited);
    parts.push(...write(path, edited.content));
  }
  return parts;
}

/** One ordinary commit's file commands: mostly edits, sometimes a rename, a deletion or a new file. */
function mainChanges(
  rng: Prng,
  files: Map<string, FileState>,
  reserved: ReadonlySet<string>,
  write: WriteFile,
  newPath: (dir: string, prefix: string, ext: string) => string,
  createFile: (path: string, kind: FileKind) => FileState,
): (string | Buffer)[] {
  const count = rng.pickWeighted([1, 2, 3, 4, 5], [35, 30, 18, 10, 7]);
  const parts: (string | Buffer)[] = [];
  for (const path of distinctPicks(rng, files, count, reserved)) {
    const file = files.get(path) as FileState;
    const roll = rng.next();
    const isFixed = FIXED_FILES.includes(path);
    if (roll < 0.012 && !isFixed) {
      // A rename keeps most of the content, so git pairs the two sides up.
      const slash = path.lastIndexOf('/');
      const dot = path.lastIndexOf('.');
      const target = newPath(path.slice(0, slash + 1), path.slice(slash + 1).startsWith('test_') ? 'test_' : '', path.slice(dot));
      const content = rng.isChance(0.5) ? file.content : editContent(rng, file.kind, file.content);
      files.delete(path);
      files.set(target, { ...file, content });
      parts.push(`D ${path}\n`, ...write(target, content));
    } else if (roll < 0.02 && !isFixed && files.size > 250) {
      files.delete(path);
      parts.push(`D ${path}\n`);
    } else {
      const edited = { ...file, content: editContent(rng, file.kind, file.content) };
      files.set(path, edited);
      parts.push(...write(path, edited.content));
    }
  }
  if (rng.isChance(0.03)) {
    const place = rng.pickWeighted(LAYOUT, LAYOUT.map((entry) => entry.initial));
    const path = newPath(place.dir, place.prefix, place.ext);
    const file = createFile(path, place.kind);
    files.set(path, file);
    parts.push(...write(path, file.content));
  }
  return parts;
}
