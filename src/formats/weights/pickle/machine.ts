import type { ProblemLog } from '../problems.js';
import { canonicalModule } from './allowlist.js';

/**
 * What the simulated stack holds: just enough to follow names. Text (a possible module or
 * attribute name), a global, an object some callable made, or anything else.
 */
export type StackValue =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'global'; readonly module: string; readonly name: string }
  | { readonly kind: 'made'; readonly by: string | null }
  | { readonly kind: 'other' };

const OTHER: StackValue = { kind: 'other' };

/** Bounds on what the simulation keeps; past them it degrades (reported) and names stop resolving. */
export const MAX_STACK = 1_000_000;
export const MAX_MEMO = 1_000_000;
/** Text values longer than this are never module or attribute names, so are not kept. */
export const MAX_TEXT_CHARS = 1024;
const TEXT_BUDGET_CHARS = 16 * 1024 * 1024;

/** A global the pickle imports, as written (module canonicalised as Python 3 would import it). */
export interface ImportedGlobal {
  readonly module: string;
  readonly name: string;
}

/**
 * A pickle virtual machine that never calls anything: it tracks the stack, the mark stack and the
 * memo closely enough to resolve STACK_GLOBAL's operands (however they were stored and fetched)
 * and to see which globals are called or built. Malformed sequences (underflow, missing memo
 * entries) are logged and simulated on, because Python would stop there but a hostile file might
 * count on our walker stopping too.
 */
export class PickleMachine {
  readonly imports = new Map<string, ImportedGlobal>();
  readonly calls = new Set<string>();
  /** STACK_GLOBALs whose operands were not text we could follow. */
  unresolvedGlobals = 0;
  private stack: StackValue[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, StackValue>();
  private textChars = 0;
  private degraded = false;

  constructor(private readonly problems: ProblemLog) {}

  /** Depth of the stack and the mark stack: a finished pickle leaves exactly one value and no marks. */
  get depth(): { values: number; marks: number } {
    return { values: this.stack.length, marks: this.marks.length };
  }

  push(value: StackValue): void {
    if (this.stack.length >= MAX_STACK) {
      this.degrade(`stack deeper than ${MAX_STACK}`);
      return;
    }
    this.stack.push(value);
  }

  pop(where: string): StackValue {
    if (this.stack.length > (this.marks[this.marks.length - 1] ?? 0)) return this.stack.pop() as StackValue;
    if (!this.degraded) this.problems.add('pickle-stack-underflow', 'pops a value the stack does not hold', where);
    return OTHER;
  }

  /** The top value, left in place. */
  top(where: string): StackValue {
    if (this.stack.length > (this.marks[this.marks.length - 1] ?? 0)) return this.stack[this.stack.length - 1] as StackValue;
    return this.pop(where);
  }

  mark(): void {
    this.marks.push(this.stack.length);
  }

  /** Everything above the most recent mark, removed with the mark. */
  popToMark(where: string): StackValue[] {
    const at = this.marks.pop();
    if (at === undefined) {
      if (!this.degraded) this.problems.add('pickle-no-mark', 'needs a MARK that was never set', where);
      return [];
    }
    return this.stack.splice(at);
  }

  /** POP: drops the top value, or the mark itself when nothing is above it (as CPython does). */
  discard(where: string): void {
    if (this.stack.length > (this.marks[this.marks.length - 1] ?? 0)) this.stack.pop();
    else if (this.marks.length > 0) this.marks.pop();
    else this.pop(where);
  }

  text(value: string | null): StackValue {
    if (value === null || value.length > MAX_TEXT_CHARS || this.textChars + value.length > TEXT_BUDGET_CHARS) return OTHER;
    this.textChars += value.length;
    return { kind: 'text', text: value };
  }

  memoPut(index: number | null, where: string): void {
    const value = this.top(where);
    if (index === null) {
      this.problems.add('pickle-bad-memo-index', 'memo index is not a number', where);
      return;
    }
    if (this.memo.size >= MAX_MEMO && !this.memo.has(index)) {
      this.degrade(`memo larger than ${MAX_MEMO}`);
      return;
    }
    this.memo.set(index, value);
  }

  memoize(where: string): void {
    this.memoPut(this.memo.size, where);
  }

  memoGet(index: number | null, where: string): void {
    const value = index === null ? undefined : this.memo.get(index);
    if (value === undefined && !this.degraded) this.problems.add('pickle-memo-missing', `memo entry ${index ?? '?'} was never stored`, where);
    this.push(value ?? OTHER);
  }

  importGlobal(module: string, name: string): StackValue {
    const canonical = canonicalModule(module);
    this.imports.set(`${canonical}.${name}`, { module: canonical, name });
    return { kind: 'global', module: canonical, name };
  }

  /** STACK_GLOBAL: module and name must both be text on the stack for Python to accept them. */
  stackGlobal(where: string): void {
    const name = this.pop(where);
    const module = this.pop(where);
    if (module.kind === 'text' && name.kind === 'text') {
      this.push(this.importGlobal(module.text, name.text));
      return;
    }
    this.unresolvedGlobals++;
    this.problems.add('pickle-unresolved-global', 'STACK_GLOBAL operands are not text constants we can follow', where);
    this.push({ kind: 'global', module: '?', name: '?' });
  }

  /** A callable applied (REDUCE, NEWOBJ, OBJ, INST): note it if it is a global; push what it makes. */
  call(callable: StackValue, where: string): void {
    let by: string | null = null;
    if (callable.kind === 'global') by = `${callable.module}.${callable.name}`;
    else this.problems.add('pickle-computed-callable', `calls ${describe(callable)}, not a global`, where);
    if (by !== null) this.calls.add(by);
    this.push({ kind: 'made', by });
  }

  /** BUILD sets state on the value below: an object's class runs `__setstate__`; a global would be patched. */
  build(where: string): void {
    this.pop(where);
    const target = this.top(where);
    if (target.kind === 'made' && target.by !== null) this.calls.add(target.by);
    if (target.kind === 'global') {
      this.problems.add('pickle-build-on-global', `sets attributes of ${target.module}.${target.name} itself`, where);
      this.calls.add(`${target.module}.${target.name}`);
    }
  }

  private degrade(reason: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.problems.add('pickle-too-complex', `${reason}: later names may not resolve`);
  }
}

function describe(value: StackValue): string {
  switch (value.kind) {
    case 'made':
      return `the result of ${value.by ?? 'another call'}`;
    case 'text':
      return 'a string';
    default:
      return 'an unknown value';
  }
}
