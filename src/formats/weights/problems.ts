/**
 * What is wrong with a weight file. Every parser here reports malformed, truncated or hostile input
 * as a list of these instead of throwing, because a malformed checkpoint is itself a finding.
 */
export interface WeightsProblem {
  /** Stable identifier such as `safetensors-overlap` or `pickle-unknown-opcode`. */
  readonly code: string;
  /** One line for a person. */
  readonly message: string;
  /** Where: a tensor name, a zip entry, a metadata key or `@<byte offset>`; absent when global. */
  readonly where?: string;
}

/** A hostile file can be wrong in a million places; past this many, further problems are counted. */
export const MAX_PROBLEMS = 100;

/** Collects problems in the order found (the first is usually the cause), bounded in number. */
export class ProblemLog {
  private readonly kept: WeightsProblem[] = [];
  private dropped = 0;

  add(code: string, message: string, where?: string): void {
    if (this.kept.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    this.kept.push(where === undefined ? { code, message } : { code, message, where });
  }

  /** Takes problems found by a nested parser (a pickle inside a zip), prefixing where they were. */
  addAll(problems: readonly WeightsProblem[], prefix?: string): void {
    for (const found of problems) {
      const where = prefix === undefined ? found.where : found.where === undefined ? prefix : `${prefix}: ${found.where}`;
      this.add(found.code, found.message, where);
    }
  }

  get count(): number {
    return this.kept.length + this.dropped;
  }

  list(): WeightsProblem[] {
    if (this.dropped === 0) return [...this.kept];
    return [...this.kept, { code: 'too-many-problems', message: `${this.dropped} further problems not listed` }];
  }
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
