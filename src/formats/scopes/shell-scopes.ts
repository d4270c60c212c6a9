import { MAX_TOKENIZED_LENGTH, type Scope, type ScopeIndex } from './scope-index.js';
import { scopeIndexFromRanges, type ScopeRange } from './scope-ranges.js';
import { countLines, decodeSource } from './source-lines.js';
import { tokenizeShell, type ShellToken } from './shell-tokens.js';

/**
 * Indexes the functions of a shell script or start-up file (bash, zsh, POSIX sh), so an edit can be
 * attributed to a `kill` or `shutdown` function that an agent redefined. Headers: `name() {`,
 * `name () {`, `function name {`, `function name() {`; bodies in `{…}`, in a subshell `(…)`, or any
 * other compound command bash takes for one (`if … fi`, `while … done`, `case … esac`, `[[ … ]]`),
 * which may start on the line after the header. A function owns the lines from its header to what
 * closes its body. Braces and parentheses inside quotes, expansions, comments and
 * here-documents are not counted. Malformed input degrades: an unclosed body runs to the end of the
 * file. It never throws. A source over MAX_TOKENIZED_LENGTH (16 MiB) gets no scopes.
 */
export function findShellScopes(source: string | Buffer): ScopeIndex {
  const text = decodeSource(source);
  const ranges = text.length > MAX_TOKENIZED_LENGTH ? [] : collectFunctions(tokenizeShell(text));
  return scopeIndexFromRanges(ranges, countLines(text));
}

/** Words that start a compound command or are otherwise never a function's name. */
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'select', 'in', 'function', 'time', '{', '}', '!', '[[', ']]', 'coproc']);

/** A `{` or `(` group still open, and the function whose body it is, if any. */
interface OpenGroup {
  readonly isBrace: boolean;
  readonly scope: Scope | null;
  readonly header: number;
}

function collectFunctions(tokens: readonly ShellToken[]): ScopeRange[] {
  const ranges: ScopeRange[] = [];
  const open: OpenGroup[] = [];
  const compoundEnds = matchCompoundCommands(tokens);
  /** The function whose body the token at `bodyAt` opens. */
  let pending: { readonly scope: Scope; readonly header: number; readonly bodyAt: number } | null = null;
  const close = (group: OpenGroup, index: number): void => {
    if (group.scope === null) return;
    const token = tokens[index] as ShellToken;
    ranges.push({ scope: group.scope, startLine: group.scope.line, endLine: token.line, startOffset: group.header, endOffset: index });
  };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as ShellToken;
    const isBody = pending !== null && pending.bodyAt === index;
    const body = isBody ? pending : null;
    if (pending !== null && pending.bodyAt <= index) pending = null;
    if (token.kind === 'word' && token.isPlain && (token.text === '{' && (token.isCommandStart || isBody))) {
      open.push({ isBrace: true, scope: body?.scope ?? null, header: body?.header ?? index });
    } else if (token.kind === 'word' && token.isPlain && token.text === '}' && token.isCommandStart) {
      closeGroup(open, true, (group) => close(group, index));
    } else if (token.kind === 'operator' && token.text === '(') {
      open.push({ isBrace: false, scope: body?.scope ?? null, header: body?.header ?? index });
    } else if (token.kind === 'operator' && token.text === ')') {
      closeGroup(open, false, (group) => close(group, index));
    } else if (token.kind === 'word' && token.isCommandStart) {
      const header = functionHeader(tokens, index);
      const end = header === null ? undefined : compoundEnds.get(header.bodyAt);
      if (header !== null && end !== undefined) {
        const last = tokens[end] as ShellToken;
        ranges.push({ scope: header.scope, startLine: header.scope.line, endLine: last.line, startOffset: header.header, endOffset: end });
      } else {
        pending = header ?? pending;
      }
    }
  }
  const last = tokens[tokens.length - 1];
  for (const group of open) {
    if (group.scope !== null && last !== undefined) {
      ranges.push({ scope: group.scope, startLine: group.scope.line, endLine: Number.MAX_SAFE_INTEGER, startOffset: group.header, endOffset: tokens.length });
    }
  }
  return ranges;
}

/**
 * Closes the innermost group of the kind a closer ends; groups of the other kind above it were left
 * open by malformed input and close with it. A closer with no such group open is a stray.
 */
function closeGroup(open: OpenGroup[], isBrace: boolean, onClose: (group: OpenGroup) => void): void {
  let depth = open.length - 1;
  while (depth >= 0 && (open[depth] as OpenGroup).isBrace !== isBrace) depth--;
  if (depth < 0) return;
  while (open.length > depth) onClose(open.pop() as OpenGroup);
}

/** The function declared by the command starting at `index`, and which token opens its body; null when it is no declaration. */
function functionHeader(tokens: readonly ShellToken[], index: number): { readonly scope: Scope; readonly header: number; readonly bodyAt: number } | null {
  const first = tokens[index] as ShellToken;
  let nameAt = index;
  const hasKeyword = first.isPlain && first.text === 'function';
  if (hasKeyword) nameAt++;
  const name = tokens[nameAt];
  if (name === undefined || name.kind !== 'word' || !name.isPlain || RESERVED.has(name.text) || name.text.includes('=')) return null;
  let bodyAt = nameAt + 1;
  const hasParentheses = isOperator(tokens[bodyAt], '(') && isOperator(tokens[bodyAt + 1], ')');
  if (hasParentheses) bodyAt += 2;
  else if (!hasKeyword) return null;
  const body = tokens[bodyAt];
  const opensBody = body !== undefined && ((body.kind === 'word' && body.isPlain && (body.text === '{' || COMPOUND_CLOSERS.has(body.text))) || isOperator(body, '('));
  if (!opensBody) return null;
  return { scope: Object.freeze({ kind: 'function', name: name.text, line: first.line }), header: index, bodyAt };
}

/** Compound commands other than groups, by the word that opens them and the word that closes them. */
const COMPOUND_CLOSERS: ReadonlyMap<string, string> = new Map([
  ['if', 'fi'],
  ['case', 'esac'],
  ['while', 'done'],
  ['until', 'done'],
  ['for', 'done'],
  ['select', 'done'],
  ['[[', ']]'],
]);

/**
 * The token that closes each compound command opened by a word at a command's start, in one pass (an
 * unclosed one runs to the last token). Loops share `done`, so they share a stack.
 */
function matchCompoundCommands(tokens: readonly ShellToken[]): Map<number, number> {
  const ends = new Map<number, number>();
  const stacks = new Map<string, number[]>();
  for (const [index, token] of tokens.entries()) {
    if (token.kind !== 'word' || !token.isPlain) continue;
    const closer = COMPOUND_CLOSERS.get(token.text);
    if (closer !== undefined && (token.isCommandStart || token.text === '[[')) {
      let stack = stacks.get(closer);
      if (stack === undefined) stacks.set(closer, (stack = []));
      stack.push(index);
    } else if (token.text === ']]' || (token.isCommandStart && (token.text === 'fi' || token.text === 'esac' || token.text === 'done'))) {
      const opener = stacks.get(token.text)?.pop();
      if (opener !== undefined) ends.set(opener, index);
    }
  }
  for (const stack of stacks.values()) for (const opener of stack) ends.set(opener, tokens.length - 1);
  return ends;
}

function isOperator(token: ShellToken | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'operator' && token.text === text;
}
