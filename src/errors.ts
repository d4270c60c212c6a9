/**
 * Errors a user can act on. The CLI prints `message` on one line and exits 2; anything that is not a
 * SelfmodError is a bug and is re-thrown with its stack.
 */
export class SelfmodError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A rule or config file that cannot be loaded; carries where the problem is. */
export class RuleFileError extends SelfmodError {
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly problem: string;

  constructor(file: string, line: number | null, column: number | null, problem: string) {
    const where = line === null ? file : column === null ? `${file}:${line}` : `${file}:${line}:${column}`;
    super('rule-file', `${where}: ${problem}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

/** A flag or argument cannot be used as given; the message names it. */
export class UsageError extends SelfmodError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** The scanned path is missing or is not inside a git repository. */
export class RepositoryError extends SelfmodError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('repository', message, options);
  }
}

/** A revision named by the user does not resolve. */
export class RevisionError extends SelfmodError {
  readonly revision: string;

  constructor(revision: string, message: string, options?: { cause?: unknown }) {
    super('revision', message, options);
    this.revision = revision;
  }
}

/** What git says when an object it needs is not in the repository. */
const MISSING_OBJECT = /could not fetch [0-9a-f]+ from promisor remote|missing (?:blob|tree|commit) object|unable to read [0-9a-f]{40}/;

const MISSING_OBJECT_HINT =
  'the repository lacks objects the scan must read: a partial clone (--filter=blob:none, or filter: with actions/checkout) ' +
  'fetches them on demand, which selfmod never does, so clone without a filter; otherwise the repository is damaged (git fsck)';

/** git itself failed: the message carries the command and git's own first line of stderr. */
export class GitError extends SelfmodError {
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string, exitCode: number | null) {
    // git prints hints and warnings before the line that says what failed.
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    const firstLine = lines.find((line) => /^(fatal|error):/.test(line)) ?? lines[0] ?? `exit code ${exitCode}`;
    const hint = MISSING_OBJECT.test(stderr) ? `; ${MISSING_OBJECT_HINT}` : '';
    super('git', `git ${args[0] ?? ''} failed: ${firstLine.trim()}${hint}`);
    this.args = args;
    this.stderr = stderr;
  }
}

/** Writing the report (or another output file) failed. */
export class OutputError extends SelfmodError {
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('output', `${file}: ${reason}`, options);
  }
}
