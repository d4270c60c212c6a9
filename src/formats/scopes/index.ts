import { findPythonScopes } from '../python-scopes.js';
import { findJavaScriptScopes } from './javascript-scopes.js';
import { findJsonScopes } from './json-scopes.js';
import { findNotebookScopes } from './notebook-cells.js';
import type { ScopeIndex } from './scope-index.js';
import { findShellScopes } from './shell-scopes.js';
import { findTomlScopes } from './toml-scopes.js';
import { findYamlScopes } from './yaml-scopes.js';

/** The languages whose scopes selfmod can find. */
export type ScopeLanguage = 'python' | 'javascript' | 'shell' | 'yaml' | 'json' | 'toml' | 'notebook';

const LANGUAGE_BY_EXTENSION: ReadonlyMap<string, ScopeLanguage> = new Map([
  ...['py', 'pyi', 'pyw'].map((extension) => [extension, 'python'] as const),
  ...['js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'mts', 'cts'].map((extension) => [extension, 'javascript'] as const),
  ...['sh', 'bash', 'zsh', 'ksh'].map((extension) => [extension, 'shell'] as const),
  ...['yml', 'yaml'].map((extension) => [extension, 'yaml'] as const),
  ...['json', 'jsonc', 'json5'].map((extension) => [extension, 'json'] as const),
  ['toml', 'toml'] as const,
  ['ipynb', 'notebook'] as const,
]);

/** Shell start-up files, which have no extension but are where an agent would redefine `kill` or `timeout`. */
const SHELL_FILE_NAMES: ReadonlySet<string> = new Set([
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.bash_aliases',
  '.profile',
  '.zshrc',
  '.zshenv',
  '.zprofile',
  '.zlogin',
  '.zlogout',
  'bashrc',
  'bash.bashrc',
  'zshrc',
]);

/**
 * The language whose scopes a file's lines can be attributed to, by its extension or, for shell
 * start-up files, its name; null for anything else, extension-less scripts included (their language
 * is in a shebang this does not read). `path` is repo-relative, with `/` or `\`.
 */
export function scopeLanguageOf(path: string): ScopeLanguage | null {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (SHELL_FILE_NAMES.has(name)) return 'shell';
  const dot = name.lastIndexOf('.');
  // A dot-file such as `.eslintrc` has a name, not an extension.
  if (dot <= 0) return null;
  return LANGUAGE_BY_EXTENSION.get(name.slice(dot + 1)) ?? null;
}

/** Indexes the scopes of `source`, read as `language`. Never throws on malformed input. */
export function findScopes(language: ScopeLanguage, source: string | Buffer): ScopeIndex {
  switch (language) {
    case 'python':
      // The Python index reads lazily and can fork for another version; as a ScopeIndex it is just read.
      return findPythonScopes(source);
    case 'javascript':
      return findJavaScriptScopes(source);
    case 'shell':
      return findShellScopes(source);
    case 'yaml':
      return findYamlScopes(source);
    case 'json':
      return findJsonScopes(source);
    case 'toml':
      return findTomlScopes(source);
    case 'notebook':
      return findNotebookScopes(source);
  }
}
