import type { ProblemLog } from '../problems.js';
import { canonicalModule } from './allowlist.js';
import { PickleMemo } from './memo.js';

/**
 * What the simulated stack holds: just enough to follow names. Text (a possible module or
 * attribute name), a global, an object some callable made, or anything else. When structure is
 * tracked (to read a PyTorch state dict's tensor table), also small integers, tuples, dicts and
 * persistent ids, and the arguments each call was made with.
 */
export type StackValue =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'global'; readonly module: string; readonly name: string }
  | { readonly kind: 'made'; readonly by: string | null; readonly args?: StackValue }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'tuple'; readonly items: readonly StackValue[] }
  | { readonly kind: 'dict'; readonly entries: Array<[string, StackValue]> }
  | { readonly kind: 'persid'; readonly id: StackValue }
  | { readonly kind: 'other' };

const OTHER: StackValue = { kind: 'other' };

/** Bounds on what the simulation keeps; past them it degrades (reported) and names stop resolving. */
const MAX_STACK = 1_000_000;
const MAX_MEMO = 4_000_000;
/** Text values longer than this are never module or attribute names, so are not kept. */
const MAX_TEXT_CHARS = 1024;
const TEXT_BUDGET_CHARS = 16 * 1024 * 1024;
/** Tuple items and dict entries kept in all when structure is tracked (a state dict of 100k tensors needs ~1.5M). */
const STRUCTURE_BUDGET = 4_000_000;
/** Longer tuples are not shapes, strides or rebuild arguments. */
const MAX_TUPLE_ITEMS = 16;

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
  private readonly memo = new PickleMemo<StackValue>(MAX_MEMO);
  private textChars = 0;
  private degraded = false;
  /** Once values were dropped for depth, what the stack holds is no longer what Python's would. */
  private stackOverflowed = false;
  private structureLeft = STRUCTURE_BUDGET;
  /** True once the structure budget ran out: containers built after that are unknown values. */
  isStructureTruncated = false;
  /** The value STOP returned. */
  result: StackValue = OTHER;

  constructor(
    private readonly problems: ProblemLog,
    /** Keep tuples, dicts, integers and call arguments (costs memory bounded by STRUCTURE_BUDGET). */
    readonly tracksStructure = false,
  ) {}

  /** A tuple of these items, or an unknown value when structure is not tracked or too large. */
  tuple(items: readonly StackValue[]): StackValue {
    return items.length <= MAX_TUPLE_ITEMS && this.spend(items.length) ? { kind: 'tuple', items } : OTHER;
  }

  int(value: number | null): StackValue {
    return this.tracksStructure && value !== null ? { kind: 'int', value } : OTHER;
  }

  dict(): StackValue {
    return this.spend(0) ? { kind: 'dict', entries: [] } : OTHER;
  }

  /** SETITEM(S): records text-keyed entries of a tracked dict. */
  setItems(target: StackValue, pairs: readonly StackValue[]): void {
    if (target.kind !== 'dict') return;
    for (let index = 0; index + 1 < pairs.length; index += 2) {
      const key = pairs[index] as StackValue;
      if (key.kind === 'text' && this.spend(1)) target.entries.push([key.text, pairs[index + 1] as StackValue]);
    }
  }

  private spend(items: number): boolean {
    if (!this.tracksStructure) return false;
    if (this.structureLeft < items) {
      this.isStructureTruncated = true;
      return false;
    }
    this.structureLeft -= items;
    return true;
  }

  /** Depth of the stack and the mark stack: a finished pickle leaves exactly one value and no marks. */
  get depth(): { values: number; marks: number } {
    return { values: this.stack.length, marks: this.marks.length };
  }

  push(value: StackValue): void {
    if (this.stack.length >= MAX_STACK) {
      this.stackOverflowed = true;
      this.degrade(`stack deeper than ${MAX_STACK}`);
      return;
    }
    this.stack.push(value);
  }

  pop(at: number): StackValue {
    if (this.stack.length > (this.marks[this.marks.length - 1] ?? 0)) return this.stack.pop() as StackValue;
    if (!this.degraded) this.problems.add('pickle-stack-underflow', 'pops a value the stack does not hold', `@${at}`);
    return OTHER;
  }

  /** The top value, left in place. */
  top(at: number): StackValue {
    if (this.stack.length > (this.marks[this.marks.length - 1] ?? 0)) return this.stack[this.stack.length - 1] as StackValue;
    return this.pop(at);
  }

  mark(): void {
    this.marks.push(this.stack.length);
  }

  /** Everything above the most recent mark, removed with the mark. */
  popToMark(at: number): StackValue[] {
    const height = this.marks.pop();
    if (height === undefined) {
      if (!this.degraded) this.problems.add('pickle-no-mark', 'needs a MARK that was never set', `@${at}`);
      return [];
    }
    return this.stack.splice(height);
  }

  /** POP: drops the top value, or the mark itself when nothing is above it (as CPython does). */
  discard(at: number): void {
    if (this.stack.length > (this.marks[this.marks.length - 1] ?? 0)) this.stack.pop();
    else if (this.marks.length > 0) this.marks.pop();
    else this.pop(at);
  }

  text(value: string | null): StackValue {
    if (value === null || value.length > MAX_TEXT_CHARS || this.textChars + value.length > TEXT_BUDGET_CHARS) return OTHER;
    this.textChars += value.length;
    return { kind: 'text', text: value };
  }

  memoPut(index: number | null, at: number): void {
    const value = this.top(at);
    if (index === null) {
      this.problems.add('pickle-bad-memo-index', 'memo index is not a number', `@${at}`);
      return;
    }
    if (index < 0 || !Number.isSafeInteger(index)) {
      this.problems.add('pickle-bad-memo-index', `memo index ${index} is out of range`, `@${at}`);
      return;
    }
    if (!this.memo.set(index, value)) this.degrade(`memo larger than ${MAX_MEMO}`);
  }

  memoize(at: number): void {
    this.memoPut(this.memo.size, at);
  }

  memoGet(index: number | null, at: number): void {
    const value = index === null ? undefined : this.memo.get(index);
    if (value === undefined && !this.degraded) this.problems.add('pickle-memo-missing', `memo entry ${index ?? '?'} was never stored`, `@${at}`);
    this.push(value ?? OTHER);
  }

  importGlobal(module: string, name: string): StackValue {
    const canonical = canonicalModule(module);
    this.imports.set(`${canonical}.${name}`, { module: canonical, name });
    return { kind: 'global', module: canonical, name };
  }

  /** STACK_GLOBAL: module and name must both be text on the stack for Python to accept them. */
  stackGlobal(at: number): void {
    const name = this.pop(at);
    const module = this.pop(at);
    if (module.kind === 'text' && name.kind === 'text' && !this.stackOverflowed) {
      this.push(this.importGlobal(module.text, name.text));
      return;
    }
    this.unresolvedGlobals++;
    this.problems.add('pickle-unresolved-global', 'STACK_GLOBAL operands are not text constants we can follow', `@${at}`);
    this.push({ kind: 'global', module: '?', name: '?' });
  }

  /** A callable applied (REDUCE, NEWOBJ, OBJ, INST): note it if it is a global; push what it makes. */
  call(callable: StackValue, at: number, args: StackValue = OTHER): void {
    let by: string | null = null;
    if (callable.kind === 'global') by = `${callable.module}.${callable.name}`;
    else this.problems.add('pickle-computed-callable', `calls ${describe(callable)}, not a global`, `@${at}`);
    if (by !== null) this.calls.add(by);
    // OrderedDict() is where a state dict's entries go: it becomes a dict that SETITEMS fills.
    if (by === 'collections.OrderedDict' && this.tracksStructure) this.push(this.dict());
    else this.push(this.tracksStructure ? { kind: 'made', by, args } : { kind: 'made', by });
  }

  /** BUILD sets state on the value below: an object's class runs `__setstate__`; a global would be patched. */
  build(at: number): void {
    this.pop(at);
    const target = this.top(at);
    if (target.kind === 'made' && target.by !== null) this.calls.add(target.by);
    if (target.kind === 'global') {
      this.problems.add('pickle-build-on-global', `sets attributes of ${target.module}.${target.name} itself`, `@${at}`);
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
