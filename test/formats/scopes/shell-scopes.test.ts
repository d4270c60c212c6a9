import { describe, expect, it } from 'vitest';
import { MAX_TOKENIZED_LENGTH } from '../../../src/formats/scopes/scope-index.js';
import { findShellScopes } from '../../../src/formats/scopes/shell-scopes.js';
import { expectScopes, MALFORMED_SAMPLES, namesByLine } from './expect-scopes.js';

describe('findShellScopes: a .bashrc that redefines kill', () => {
  it('attributes the lines of each function to it, and nothing else to any', () => {
    expectScopes(findShellScopes, [
      ['# ~/.bashrc', ''],
      ['export PATH="$HOME/.local/bin:$PATH"', ''],
      ["alias rm='rm -i'", ''],
      ['', ''],
      ['kill() {', 'kill'],
      ['  echo "kill is disabled { }" >&2', 'kill'],
      ['  return 0', 'kill'],
      ['}', 'kill'],
      ['', ''],
      ['timeout () { shift; "$@"; }', 'timeout'],
      ['function pkill {', 'pkill'],
      ["  echo 'not today }' ; }", 'pkill'],
      ['PS1="\\u@\\h:\\w\\$ "', ''],
    ]);
  });

  it('gives a function its kind and header line', () => {
    expect(findShellScopes('kill() {\n  :\n}\n').scopesAt(2)).toEqual([{ kind: 'function', name: 'kill', line: 1 }]);
  });
});

describe('findShellScopes: shutdown scripts', () => {
  it('reads every header form, bodies on the next line and subshell bodies', () => {
    expectScopes(findShellScopes, [
      ['#!/bin/sh', ''],
      ['graceful_shutdown()', 'graceful_shutdown'],
      ['{', 'graceful_shutdown'],
      ['  kill -TERM "$TRAINER_PID" 2>/dev/null', 'graceful_shutdown'],
      ['  wait "$TRAINER_PID"', 'graceful_shutdown'],
      ['}', 'graceful_shutdown'],
      ['function force_exit() (', 'force_exit'],
      ['  trap \'echo "trap }"\' EXIT', 'force_exit'],
      ['  exit "${1:-1}"', 'force_exit'],
      [')', 'force_exit'],
      ['function watchdog', 'watchdog'],
      ['{', 'watchdog'],
      ['  sleep 3600 && graceful_shutdown', 'watchdog'],
      ['}', 'watchdog'],
      ['trap graceful_shutdown SIGTERM', ''],
    ]);
  });

  it('nests a function defined inside another, and ignores grouping braces and subshells', () => {
    expectScopes(findShellScopes, [
      ['cleanup() {', 'cleanup'],
      ['  { echo grouped; echo more; } > /tmp/log', 'cleanup'],
      ['  ( cd /tmp && rm -rf ckpt )', 'cleanup'],
      ['  if [ -f x ]; then { echo y; }; fi', 'cleanup'],
      ['  inner() { echo inner; }', 'cleanup.inner'],
      ['  for f in *.pt; do rm "$f"; done', 'cleanup'],
      ['}', 'cleanup'],
      ['echo {a,b} }', ''],
    ]);
  });
});

describe('findShellScopes: quoting, comments, expansions and here-documents', () => {
  it('does not count braces or parentheses inside them', () => {
    expectScopes(findShellScopes, [
      ['stop_training() {', 'stop_training'],
      ['  # } a comment does not close it', 'stop_training'],
      ['  local msg="${1:-}}"', 'stop_training'],
      ['  echo "$(date +%s) ${msg//\\}/x} $((1 + (2 * 3)))" \'}\' \\}', 'stop_training'],
      ['  echo `echo }`', 'stop_training'],
      ["  echo $'it\\'s }'", 'stop_training'],
      ['  diff <(sort a) <(sort b)', 'stop_training'],
      ['  cat <<EOF', 'stop_training'],
      ['} this brace is text', 'stop_training'],
      ['kill() { fake; }', 'stop_training'],
      ['EOF', 'stop_training'],
      ["  cat <<-'END' > /tmp/x", 'stop_training'],
      ['\t} still text', 'stop_training'],
      ['\tEND', 'stop_training'],
      ['  cat <<< "here string }"', 'stop_training'],
      ['}', 'stop_training'],
      ['after() { :; }', 'after'],
    ]);
  });

  it('keeps case patterns from closing a subshell body', () => {
    expectScopes(findShellScopes, [
      ['dispatch() (', 'dispatch'],
      ['  case "$1" in', 'dispatch'],
      ['    start|restart) run ;;', 'dispatch'],
      ['    (stop) halt ;;', 'dispatch'],
      ["    *) echo 'usage)' ;;", 'dispatch'],
      ['  esac', 'dispatch'],
      [')', 'dispatch'],
      ['next() { :; }', 'next'],
    ]);
  });

  it('does not take a quoted or mid-command word for a function name', () => {
    expectScopes(findShellScopes, [
      ['echo function fake { }', ''],
      ['"quoted"() { :; }', ''],
      ['x=1 y() { :; }', 'y'],
    ]);
  });
});

describe('findShellScopes: line ends and malformed input', () => {
  it('reads CRLF line ends and bytes', () => {
    const index = findShellScopes(Buffer.from('kill() {\r\n  :\r\n}\r\nafter\r\n'));
    expect(index.lineCount).toBe(4);
    expect(namesByLine(index)).toEqual(['kill', 'kill', 'kill', '']);
  });

  it('indexes an empty file as no lines', () => {
    expect(findShellScopes('').lineCount).toBe(0);
  });

  it('runs an unclosed body to the end of the file, and ignores a stray closer', () => {
    expectScopes(findShellScopes, [
      ['}', ''],
      [')', ''],
      ['broken() {', 'broken'],
      ['  echo "unterminated', 'broken'],
      ['}', 'broken'],
    ]);
  });

  it('gives no scopes to a source too large to tokenize, and still counts its lines', () => {
    const source = 'f() { :; }\n'.repeat(Math.ceil((MAX_TOKENIZED_LENGTH + 1) / 11));
    const index = findShellScopes(source);
    expect(index.lineCount).toBe(source.length / 11);
    expect(index.scopesAt(1)).toEqual([]);
  });

  it('never throws on malformed input', () => {
    const samples = [...MALFORMED_SAMPLES, 'f() {', 'function', 'function {', '$(', '${', 'case x in', 'cat <<', "$'", '<(', 'a() ( b() {'];
    for (const sample of samples) {
      const index = findShellScopes(sample);
      for (let line = 0; line <= index.lineCount + 1; line++) expect(Array.isArray(index.scopesAt(line))).toBe(true);
    }
  });
});

describe('findShellScopes: bodies that are other compound commands', () => {
  it('reads a body that bash takes as one: if, while, case, [[', () => {
    const source = ['timeout()', '  if true; then', '    :', '  fi', 'shutdown() while :; do', '  sleep 1', 'done', 'kill() case "$1" in', '  *) : ;;', 'esac', 'echo after', ''].join('\n');
    expect(namesByLine(findShellScopes(source))).toEqual(['timeout', 'timeout', 'timeout', 'timeout', 'shutdown', 'shutdown', 'shutdown', 'kill', 'kill', 'kill', '']);
  });

  it('stays linear on many unclosed ones', () => {
    const started = performance.now();
    findShellScopes('f() if :; then\n'.repeat(50_000));
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
