import type { Document } from 'yaml';
import { RuleFileError } from '../errors.js';
import { lazyModule } from '../util/lazy-module.js';

const yaml = lazyModule<typeof import('yaml')>('yaml');

/** One YAML document of a file, with a way back from a value's path to its line and column. */
export interface YamlDocument {
  readonly file: string;
  readonly value: unknown;
  /** 1-based line where the document starts. */
  readonly line: number;
  locate(path: ReadonlyArray<string | number>, key?: string): { line: number; column: number } | null;
}

/** Aliases expanded per document; YAML bombs stop here instead of filling memory. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses every document of a YAML file. Syntax errors, duplicate keys and alias bombs become a
 * RuleFileError naming the file and line.
 */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const { isMap, isNode, LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const list: Document[] = Array.isArray(documents) ? documents : [];
  const result: YamlDocument[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const position = error.linePos?.[0];
      throw new RuleFileError(file, position?.line ?? null, position?.col ?? null, firstLine(error.message));
    }
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (cause) {
      const start = lineCounter.linePos(doc.range?.[0] ?? 0);
      throw new RuleFileError(file, start.line, null, firstLine((cause as Error).message));
    }
    const locate = (path: ReadonlyArray<string | number>, key?: string) => {
      const node = doc.getIn(path, true);
      let offset: number | undefined;
      if (key !== undefined && isMap(node)) {
        const pair = node.items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === key);
        offset = pair && isNode(pair.key) ? pair.key.range?.[0] : undefined;
      }
      if (offset === undefined && isNode(node)) offset = node.range?.[0];
      if (offset === undefined) return null;
      const position = lineCounter.linePos(offset);
      return { line: position.line, column: position.col };
    };
    const contentsStart = isNode(doc.contents) ? (doc.contents.range?.[0] ?? 0) : 0;
    result.push({ file, value, line: lineCounter.linePos(contentsStart).line, locate });
  }
  return result;
}

/** The first line of a yaml error, without the position it repeats (we print our own). */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}
