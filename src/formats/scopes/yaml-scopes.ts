import { chainWith, NO_SCOPES, scopeIndexFromChains, type Scope, type ScopeIndex } from './scope-index.js';
import { decodeSource, splitLines } from './source-lines.js';
import { countIndent, flowKeysOfLine, flowStartIn, opensBlock, readYamlLine, startsBlockScalar, YamlFlowLexer, type YamlLine } from './yaml-line.js';

/**
 * Indexes the keys of a YAML file by indentation: each line is enclosed by the mapping keys above it,
 * outermost first, and by its own key. In a Hydra config `training:` / `  optim:` / `    lr: 1e-4`,
 * the third line is enclosed by `training`, `optim` and `lr`.
 *
 * - Sequence items nest under the key that holds the sequence, and the keys of an item's mapping
 *   under that key: `- name: x` under `steps:` is enclosed by `steps` and `name`.
 * - A block scalar (`|`, `>`) and a flow value or quoted scalar that goes on over several lines
 *   belong to their key, whatever their lines look like.
 * - Blank and comment lines are settled as in Python: a blank line belongs to the keys that enclose
 *   both the code line before it and the one after it; a comment also belongs to the keys of the next
 *   code line that it is indented under, or to those of the line before into whose block it is indented.
 * - A document marker (`---`, `...`) starts again from no keys.
 *
 * - The keys of a flow mapping (`sampling: {temperature: 0.7, top_p: 1}`) enclose the lines they
 *   are on, beside the keys that hold the mapping: this line is enclosed by `sampling`,
 *   `sampling.temperature` and `sampling.top_p`.
 *
 * A line-based reader, not a YAML parser: malformed input degrades. It never throws.
 */
export function findYamlScopes(source: string | Buffer): ScopeIndex {
  const builder = new YamlChainBuilder();
  const physicalLines = splitLines(decodeSource(source));
  // Where each line's logical lines end in the builder's numbering, when a line holds more than one.
  let ends: number[] | null = null;
  for (const [index, text] of physicalLines.entries()) {
    const logical = logicalLines(text);
    for (const part of logical) builder.addLine(part);
    if (logical.length > 1) ends ??= physicalLines.slice(0, index).map((_, before) => before + 1);
    ends?.push(builder.lineCount);
  }
  const chains = builder.finish();
  if (ends === null) return scopeIndexFromChains(chains);
  let start = 0;
  const merged = ends.map((end) => {
    const chain = unionOf(chains.slice(start, end));
    start = end;
    return chain;
  });
  return scopeIndexFromChains(merged);
}

/**
 * YAML 1.1 readers (PyYAML, and so OmegaConf and Hydra) end a line at a carriage return alone and at
 * NEL, LS and PS too, where git and this index do not: a config written with them is one line to
 * git. Its logical lines are read one by one, and the line git sees is enclosed by all their keys.
 */
const LOGICAL_LINE_BREAK = /\r|\u0085|\u2028|\u2029/;

function logicalLines(text: string): string[] {
  return LOGICAL_LINE_BREAK.test(text) ? text.split(LOGICAL_LINE_BREAK) : [text];
}

/** The scopes of several chains, each once, outer ones first as far as the chains agree. */
function unionOf(chains: readonly (readonly Scope[])[]): readonly Scope[] {
  if (chains.length === 1) return chains[0] as readonly Scope[];
  const scopes = new Set<Scope>();
  for (const chain of chains) for (const scope of chain) scopes.add(scope);
  return scopes.size === 0 ? NO_SCOPES : Object.freeze([...scopes]);
}

/**
 * The keys findYamlScopes could give a line, read from that line alone, for any line that is not
 * blank or a comment: its block key, and whatever a flow mapping could hold (see flowKeysOfLine);
 * block scalar and flow lines are read as key lines too. Over every
 * line of a file this is a superset of the keys its index names, and costs no chains: a caller can
 * tell that no key it wants is in a file before indexing it, or derive one version's keys from
 * another's and the lines a diff changes.
 */
function yamlKeysOfLogicalLine(text: string): readonly string[] {
  const indent = countIndent(text);
  if (indent >= text.length || text[indent] === '#') return NO_NAMES;
  const name = readYamlLine(text).key?.name ?? null;
  // A line without a colon after its start has no key of a flow mapping either.
  if (text.indexOf(':', indent + 1) === -1) return name === null ? NO_NAMES : [name];
  const names = flowKeysOfLine(text);
  return name === null || names.includes(name) ? names : [name, ...names];
}

const BYTE_ORDER_MARK = '\uFEFF';
const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * The keys a line of a file may give the index, however the line was read: from a diff (with CRLF's
 * carriage return, or the byte order mark of a first line still on it) or from the whole file (without
 * them), one per logical line (see logicalLines), with and without a leading byte order mark. The same
 * line gives the same keys either way, so that one version's keys follow from another's and a diff.
 */
export function yamlKeysOfLine(text: string): readonly string[] {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  // The usual line, one logical line without a byte order mark: no lists to merge.
  if (!line.startsWith(BYTE_ORDER_MARK) && !LOGICAL_LINE_BREAK.test(line)) return yamlKeysOfLogicalLine(line);
  const names = new Set<string>();
  for (const part of logicalLines(line)) {
    for (const variant of part.startsWith(BYTE_ORDER_MARK) ? [part, part.slice(1)] : [part]) {
      for (const name of yamlKeysOfLogicalLine(variant)) names.add(name);
    }
  }
  return [...names];
}

/** yamlKeysOfLine of every line of `source` (a byte order mark left on, as a diff leaves it on its first line). */
export function yamlKeyCandidates(source: string | Buffer): string[] {
  const names: string[] = [];
  for (const text of splitLines(typeof source === 'string' ? source : source.toString('utf8'))) {
    // One by one: a line of a flow mapping may hold more keys than a call may take arguments.
    for (const name of yamlKeysOfLine(text)) names.push(name);
  }
  return names;
}

/** A line's chain: the keys open where it starts, then the flow keys read on it. */
function withFlowKeys(open: readonly Scope[], found: readonly Scope[]): readonly Scope[] {
  return found.length === 0 ? open : Object.freeze([...open, ...found]);
}

/** A key whose block the current line may still be inside. */
interface OpenKey {
  readonly column: number;
  /** Its value is the block below it (nothing after the colon), so a sequence may start at its column. */
  readonly opensBlock: boolean;
  /** This key and every key enclosing it. */
  readonly chain: readonly Scope[];
}

const BLANK = -1;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?:\s|$)/;

class YamlChainBuilder {
  private readonly chains: (readonly Scope[])[] = [];
  private stack: OpenKey[] = [];
  /** The keys open at the last code line, for settling the blank and comment lines after it. */
  private previousStack: readonly OpenKey[] = [];
  private readonly pendingLines: number[] = [];
  private readonly pendingIndents: number[] = [];
  /** A block scalar being read: lines indented deeper than `parentColumn` are its content. */
  private blockScalar: { readonly parentColumn: number; readonly chain: readonly Scope[] } | null = null;
  /** Blank lines inside a block scalar, which belong to it only if its content goes on after them. */
  private readonly scalarBlankLines: number[] = [];
  private readonly flow = new YamlFlowLexer();
  private flowOwner: { readonly indent: number; readonly chain: readonly Scope[] } | null = null;

  addLine(text: string): void {
    const lineNumber = this.chains.length + 1;
    const indent = countIndent(text);
    const isBlank = indent === text.length;
    if (this.blockScalar !== null) {
      if (isBlank) {
        this.chains.push(NO_SCOPES);
        this.scalarBlankLines.push(lineNumber);
        return;
      }
      if (indent > this.blockScalar.parentColumn) {
        for (const line of this.scalarBlankLines) this.chains[line - 1] = this.blockScalar.chain;
        this.scalarBlankLines.length = 0;
        this.chains.push(this.blockScalar.chain);
        return;
      }
      for (const line of this.scalarBlankLines) this.addPending(line, BLANK);
      this.scalarBlankLines.length = 0;
      this.blockScalar = null;
    }
    if (this.flowOwner !== null && this.flow.continues && !isBlank && !this.isFlowContinuation(text, indent)) this.flow.abandon();
    if (this.flowOwner !== null && this.flow.continues) {
      const open = this.flow.openChain;
      this.flow.scan(text, 0, lineNumber);
      this.chains.push(withFlowKeys(open, this.flow.keysFound));
      return;
    }
    if (isBlank || text[indent] === '#') {
      this.chains.push(NO_SCOPES);
      this.addPending(lineNumber, isBlank ? BLANK : indent);
      return;
    }
    if (indent === 0 && (DOCUMENT_MARKER.test(text) || text.startsWith('%'))) {
      this.settlePendingLines([]);
      this.stack = [];
      this.previousStack = [];
      this.chains.push(NO_SCOPES);
      return;
    }
    this.addCodeLine(readYamlLine(text));
  }

  /** Lines added so far. */
  get lineCount(): number {
    return this.chains.length;
  }

  /** Settles what is still pending (nothing follows) and returns every line's chain. */
  finish(): (readonly Scope[])[] {
    for (const line of this.scalarBlankLines) this.addPending(line, BLANK);
    this.settlePendingLines(null);
    return this.chains;
  }

  private addCodeLine(line: YamlLine): void {
    const lineNumber = this.chains.length + 1;
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1] as OpenKey;
      // A sequence may sit at its key's own column (`steps:` / `- run: x`): that key stays open.
      const isStillOpen = top.column < line.indent || (top.column === line.indent && line.isSequenceItem && top.opensBlock);
      if (isStillOpen) break;
      this.stack.pop();
    }
    this.settlePendingLines(this.stack);
    if (line.key !== null) {
      const outer = this.stack[this.stack.length - 1]?.chain ?? NO_SCOPES;
      const scope: Scope = Object.freeze({ kind: 'key', name: line.key.name, line: lineNumber });
      this.stack.push({ column: line.key.column, opensBlock: opensBlock(line.value), chain: chainWith(outer, scope) });
    }
    const chain = this.stack[this.stack.length - 1]?.chain ?? NO_SCOPES;
    this.chains.push(chain);
    this.previousStack = [...this.stack];
    if (startsBlockScalar(line.value)) {
      this.blockScalar = { parentColumn: line.key?.column ?? line.dashColumn, chain };
      return;
    }
    const flowStart = flowStartIn(line.value);
    if (flowStart !== -1) {
      this.flow.begin(chain);
      this.flow.scan(line.value, flowStart, lineNumber);
      this.chains[lineNumber - 1] = withFlowKeys(chain, this.flow.keysFound);
      if (this.flow.continues) this.flowOwner = { indent: line.indent, chain };
    }
  }

  /**
   * Whether a line can continue an open flow value: it must be indented deeper than the line that
   * opened it, or close the value at that line's indent. Otherwise the value was never closed, and
   * it should not take in the rest of the file.
   */
  private isFlowContinuation(text: string, indent: number): boolean {
    const owner = this.flowOwner as { readonly indent: number };
    if (indent > owner.indent) return true;
    const first = text[indent];
    return indent === owner.indent && (first === ']' || first === '}' || first === '"' || first === "'");
  }

  private addPending(line: number, indent: number): void {
    this.pendingLines.push(line);
    this.pendingIndents.push(indent);
  }

  /**
   * Gives the blank and comment lines since the last code line their keys, now that the keys open at
   * the next code line (`next`, before its own key) are known; null at the end of the file.
   */
  private settlePendingLines(next: readonly OpenKey[] | null): void {
    if (this.pendingLines.length === 0) return;
    const previous = this.previousStack;
    const following = next ?? [];
    let shared = 0;
    while (shared < previous.length && shared < following.length && previous[shared] === following[shared]) shared++;
    // How many of the previous line's keys a comment may still be indented into; a shallower comment
    // lowers it for the comments after it.
    let ceiling = previous.length;
    for (let index = 0; index < this.pendingLines.length; index++) {
      const indent = this.pendingIndents[index] as number;
      let chain = previous[shared - 1]?.chain ?? NO_SCOPES;
      if (indent !== BLANK) {
        while (ceiling > 0 && (previous[ceiling - 1] as OpenKey).column >= indent) ceiling--;
        let under = 0;
        while (under < following.length && (following[under] as OpenKey).column < indent) under++;
        if (ceiling > shared) chain = (previous[ceiling - 1] as OpenKey).chain;
        else chain = following[under - 1]?.chain ?? NO_SCOPES;
      }
      this.chains[(this.pendingLines[index] as number) - 1] = chain;
    }
    this.pendingLines.length = 0;
    this.pendingIndents.length = 0;
  }
}
