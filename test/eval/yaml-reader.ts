import { LineCounter, parseDocument, type Document } from 'yaml';

/** A scenario file that cannot be used; the message is one line naming the file and the place. */
export class ScenarioError extends Error {
  readonly code = 'scenario';
  readonly file: string;
  readonly line: number | null;

  constructor(file: string, line: number | null, problem: string, options?: { cause?: unknown }) {
    super(`${line === null ? file : `${file}:${line}`}: ${problem}`, options);
    this.name = 'ScenarioError';
    this.file = file;
    this.line = line;
  }
}

/** Where a value sits in the document: keys and list indexes from the top. */
export type YamlPath = readonly (string | number)[];

export function describePath(path: YamlPath): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`), '');
}

/**
 * A parsed YAML document whose values are read with their paths, so every complaint names the file,
 * the line and the key it is about.
 */
export class YamlReader {
  readonly file: string;
  readonly root: unknown;
  private readonly document: Document;
  private readonly lineCounter: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.lineCounter = new LineCounter();
    this.document = parseDocument(text, { lineCounter: this.lineCounter, uniqueKeys: true, prettyErrors: false });
    const [error] = this.document.errors;
    if (error) throw new ScenarioError(file, this.lineCounter.linePos(error.pos[0]).line, `invalid YAML: ${error.message.split('\n')[0]}`);
    try {
      this.root = this.document.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw new ScenarioError(file, null, `invalid YAML: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  /** Throws a ScenarioError about the value at `path`. */
  fail(path: YamlPath, problem: string): never {
    const where = describePath(path);
    throw new ScenarioError(this.file, this.lineOf(path), where === '' ? problem : `${where}: ${problem}`);
  }

  /** A map with only the allowed keys and all the required ones. */
  map(value: unknown, path: YamlPath, keys: { required: readonly string[]; optional?: readonly string[] }): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `expected a map, got ${kindOf(value)}`);
    const record = value as Record<string, unknown>;
    const allowed = [...keys.required, ...(keys.optional ?? [])];
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown key (expected ${allowed.join(', ')})`);
    }
    for (const key of keys.required) {
      if (!(key in record)) this.fail(path, `missing key "${key}"`);
    }
    return record;
  }

  /** A map whose keys are data (such as file paths), not a fixed set. */
  freeMap(value: unknown, path: YamlPath): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `expected a map, got ${kindOf(value)}`);
    return value as Record<string, unknown>;
  }

  list(value: unknown, path: YamlPath): readonly unknown[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list, got ${kindOf(value)}`);
    return value;
  }

  string(value: unknown, path: YamlPath): string {
    if (typeof value !== 'string') this.fail(path, `expected a string, got ${kindOf(value)} (quote it)`);
    return value;
  }

  nonEmptyString(value: unknown, path: YamlPath): string {
    const text = this.string(value, path);
    if (text.trim() === '') this.fail(path, 'must not be empty');
    return text;
  }

  private lineOf(path: YamlPath): number | null {
    for (let length = path.length; length >= 0; length--) {
      const node = this.document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return this.lineCounter.linePos(node.range[0]).line;
    }
    return null;
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}
