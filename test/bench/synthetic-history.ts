import { Prng } from './prng.js';
import { createContent, editContent, identifier, WORDS, type FileContent, type FileKind } from './synthetic-content.js';

export interface HistoryOptions {
  /** Commits reachable from the final main, merges and side-branch commits included. */
  readonly commits: number;
  readonly seed: number;
}

/** Pieces of a fast-import stream, written out in order. */
type StreamPart = string | Buffer;

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
  mainCommitsSince: number;
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
/** Files every ML repository has, edited often, never renamed or deleted. */
const FIXED_FILES = ['train.py', 'evaluate.py', 'rl/compute_reward.py'];
const AUTHORS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Claude Shannon', 'agent-runner'];
const VERBS = ['fix', 'tune', 'refactor', 'add', 'clean up', 'speed up', 'document', 'simplify'];
const START_TIME = 1_672_531_200; // 2023-01-01T00:00:00Z

/**
 * The whole history as a `git fast-import` stream, commit by commit: an initial import of a few
 * hundred files, then commits that each edit one to five of them (with occasional renames,
 * deletions and new files), and now and then a side branch merged back with a merge commit.
 */
export function* fastImportStream(options: HistoryOptions): Generator<StreamPart> {
  const history = new SyntheticHistory(options.seed);
  yield 'feature done\n';
  yield* history.initialCommit();
  for (let made = 1; made < options.commits; made++) yield* history.nextCommit(options.commits - made);
  yield 'done\n';
}

/** The state of the repository being generated: its files on main and on the open side branch. */
class SyntheticHistory {
  private readonly rng: Prng;
  private readonly files = new Map<string, FileState>();
  private mark = 0;
  private time = START_TIME;
  private mainTip = 0;
  private topic: Topic | null = null;

  constructor(seed: number) {
    this.rng = new Prng(seed);
  }

  initialCommit(): StreamPart[] {
    const parts: StreamPart[] = [this.header('refs/heads/main', 'Initial import\n', null)];
    for (const path of FIXED_FILES) this.files.set(path, { ...this.createFile(path, 'python'), weight: 6 });
    for (const place of LAYOUT) {
      for (let count = 0; count < place.initial; count++) {
        const path = this.newPath(place.dir, place.prefix, place.ext);
        this.files.set(path, this.createFile(path, place.kind));
      }
    }
    for (const [path, file] of this.files) parts.push(...fileCommand(path, file.content));
    this.mainTip = this.mark;
    return [...parts, '\n'];
  }

  /** One more commit: on main, on the side branch, or the merge that closes the side branch. */
  nextCommit(commitsLeft: number): StreamPart[] {
    const rng = this.rng;
    if (this.topic === null && commitsLeft > 30 && rng.isChance(1 / 120)) {
      this.topic = { files: this.pickTopicFiles(), tip: this.mainTip, commitsLeft: rng.int(2, 6), mainCommitsSince: 0 };
    }
    const topic = this.topic;
    if (topic !== null) {
      // Near the end, the side branch finishes and merges first, so the history ends on main.
      if (topic.commitsLeft > 0 && (rng.isChance(0.5) || commitsLeft <= topic.commitsLeft + 1)) return this.topicCommit(topic);
      const isLast = commitsLeft === 1;
      if (topic.commitsLeft === 0 && (isLast || (topic.mainCommitsSince > 0 && rng.isChance(0.4)))) return this.mergeCommit(topic);
      topic.mainCommitsSince++;
    }
    return this.mainCommit(new Set(topic?.files.keys() ?? []));
  }

  private topicCommit(topic: Topic): StreamPart[] {
    topic.commitsLeft--;
    const parts: StreamPart[] = [this.header('refs/heads/topic', this.message('wip: '), topic.tip)];
    parts.push(...this.editFiles(topic.files, this.rng.int(1, 2), new Set()));
    topic.tip = this.mark;
    return [...parts, '\n'];
  }

  private mergeCommit(topic: Topic): StreamPart[] {
    const parts: StreamPart[] = [this.header('refs/heads/main', `Merge branch 'topic'\n`, this.mainTip, topic.tip)];
    for (const [path, file] of topic.files) {
      this.files.set(path, file);
      parts.push(...fileCommand(path, file.content));
    }
    // Some merges also change something of their own, which only a merge-aware diff shows.
    if (this.rng.isChance(0.25)) parts.push(...this.editFiles(this.files, 1, new Set(topic.files.keys())));
    this.mainTip = this.mark;
    this.topic = null;
    return [...parts, '\n'];
  }

  /** Mostly edits, sometimes a rename, a deletion or a new file; never a file the side branch owns. */
  private mainCommit(reserved: ReadonlySet<string>): StreamPart[] {
    const rng = this.rng;
    const parts: StreamPart[] = [this.header('refs/heads/main', this.message(''), this.mainTip)];
    const count = rng.pickWeighted([1, 2, 3, 4, 5], [35, 30, 18, 10, 7]);
    for (const path of this.pickFiles(this.files, count, reserved)) {
      const file = this.files.get(path) as FileState;
      const roll = rng.next();
      const isFixed = FIXED_FILES.includes(path);
      if (roll < 0.012 && !isFixed) {
        parts.push(`D ${path}\n`, ...this.rename(path, file));
      } else if (roll < 0.02 && !isFixed && this.files.size > 250) {
        this.files.delete(path);
        parts.push(`D ${path}\n`);
      } else {
        parts.push(...this.edit(this.files, path, file));
      }
    }
    if (rng.isChance(0.03)) {
      const place = rng.pickWeighted(LAYOUT, LAYOUT.map((entry) => entry.initial));
      const path = this.newPath(place.dir, place.prefix, place.ext);
      const file = this.createFile(path, place.kind);
      this.files.set(path, file);
      parts.push(...fileCommand(path, file.content));
    }
    this.mainTip = this.mark;
    return [...parts, '\n'];
  }

  /** A new name in the same folder; most of the content stays, so git pairs the two sides up. */
  private rename(path: string, file: FileState): StreamPart[] {
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    const target = this.newPath(path.slice(0, slash + 1), name.startsWith('test_') ? 'test_' : '', name.slice(name.lastIndexOf('.')));
    const content = this.rng.isChance(0.5) ? file.content : editContent(this.rng, file.kind, file.content);
    this.files.delete(path);
    this.files.set(target, { ...file, content });
    return fileCommand(target, content);
  }

  private editFiles(files: Map<string, FileState>, count: number, excluded: ReadonlySet<string>): StreamPart[] {
    return this.pickFiles(files, count, excluded).flatMap((path) => this.edit(files, path, files.get(path) as FileState));
  }

  private edit(files: Map<string, FileState>, path: string, file: FileState): StreamPart[] {
    const edited = { ...file, content: editContent(this.rng, file.kind, file.content) };
    files.set(path, edited);
    return fileCommand(path, edited.content);
  }

  /** Up to `count` distinct paths, picked by weight, none of them in `excluded`. */
  private pickFiles(files: Map<string, FileState>, count: number, excluded: ReadonlySet<string>): string[] {
    const paths = [...files.keys()].filter((path) => !excluded.has(path));
    const weights = paths.map((path) => files.get(path)?.weight ?? 1);
    const picked = new Set<string>();
    for (let attempt = 0; picked.size < Math.min(count, paths.length) && attempt < count * 10; attempt++) {
      picked.add(this.rng.pickWeighted(paths, weights));
    }
    return [...picked];
  }

  /** Four text files that the side branch alone edits until it is merged, so the merge is clean. */
  private pickTopicFiles(): Map<string, FileState> {
    const owned = new Map<string, FileState>();
    const paths = [...this.files.keys()].filter((path) => this.files.get(path)?.kind !== 'weights');
    while (owned.size < 4) {
      const path = this.rng.pick(paths);
      owned.set(path, this.files.get(path) as FileState);
    }
    return owned;
  }

  private createFile(path: string, kind: FileKind): FileState {
    const rng = this.rng;
    return {
      kind,
      content: createContent(rng, kind, path, rng.isChance(0.7) ? rng.int(50, 200) : rng.int(200, 400)),
      weight: (kind === 'weights' ? 0.3 : kind === 'jsonl' ? 0.7 : 1) * (rng.isChance(0.12) ? 8 : 1),
    };
  }

  private newPath(dir: string, prefix: string, ext: string): string {
    for (;;) {
      const path = `${dir}${prefix}${identifier(this.rng)}${ext}`;
      if (!this.files.has(path) && !this.topic?.files.has(path)) return path;
    }
  }

  private message(prefix: string): string {
    const rng = this.rng;
    const subject = `${prefix}${rng.pick(VERBS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
    return rng.isChance(0.3) ? `${subject}\n\nFollow-up to the ${rng.pick(WORDS)} change.\n` : `${subject}\n`;
  }

  /** A commit's header with a new mark; `from` null only for the root commit. */
  private header(ref: string, message: string, from: number | null, merge: number | null = null): string {
    this.mark++;
    this.time += this.rng.int(120, 7200);
    const author = this.rng.pick(AUTHORS);
    const identity = `${author} <${author.toLowerCase().replace(/\W+/g, '.')}@example.com> ${this.time} +0000`;
    const parents = (from === null ? '' : `from :${from}\n`) + (merge === null ? '' : `merge :${merge}\n`);
    return `commit ${ref}\nmark :${this.mark}\nauthor ${identity}\ncommitter ${identity}\ndata ${Buffer.byteLength(message)}\n${message}\n${parents}`;
  }
}

/** fast-import's command that sets a file's content, with the content inline. */
function fileCommand(path: string, content: FileContent): StreamPart[] {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(`${content.join('\n')}\n`, 'utf8');
  return [`M 100644 inline ${path}\ndata ${bytes.length}\n`, bytes, '\n'];
}
