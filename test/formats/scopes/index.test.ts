import { describe, expect, it } from 'vitest';
import { findScopes, scopeLanguageOf, type ScopeLanguage } from '../../../src/formats/scopes/index.js';

describe('scopeLanguageOf', () => {
  it('knows languages by extension, in any case and under any folder', () => {
    const expected: Record<string, ScopeLanguage> = {
      'rewards/compute.py': 'python',
      'stubs/trl.pyi': 'python',
      'src/trainer.ts': 'javascript',
      'src/App.tsx': 'javascript',
      'lib/index.js': 'javascript',
      'lib/index.mjs': 'javascript',
      'lib/index.cjs': 'javascript',
      'src/view.jsx': 'javascript',
      'src/a.mts': 'javascript',
      'src/a.cts': 'javascript',
      'types/index.d.ts': 'javascript',
      'scripts/shutdown.sh': 'shell',
      'scripts/setup.bash': 'shell',
      'scripts/env.zsh': 'shell',
      'conf/train.yaml': 'yaml',
      '.github/workflows/ci.yml': 'yaml',
      'ds_config.json': 'json',
      '.vscode/settings.jsonc': 'json',
      'config.json5': 'json',
      'pyproject.toml': 'toml',
      'notebooks/Reward.IPYNB': 'notebook',
      'C:\\work\\train.PY': 'python',
    };
    for (const [path, language] of Object.entries(expected)) expect(scopeLanguageOf(path), path).toBe(language);
  });

  it('knows shell start-up files by name', () => {
    for (const path of ['.bashrc', 'home/agent/.bash_profile', '.zshrc', '.profile', '.bash_aliases', 'etc/bashrc']) {
      expect(scopeLanguageOf(path), path).toBe('shell');
    }
  });

  it('returns null for other files, extension-less scripts included', () => {
    for (const path of ['bin/shutdown', 'Makefile', '.eslintrc', 'README.md', 'model.safetensors', 'src/', 'archive.json.gz', 'profile', '']) {
      expect(scopeLanguageOf(path), path).toBeNull();
    }
  });
});

describe('findScopes', () => {
  it('dispatches to the finder for each language', () => {
    const samples: Record<ScopeLanguage, readonly [string, number, string]> = {
      python: ['class Env:\n    def step(self):\n        return 1\n', 3, 'Env.step'],
      javascript: ['class Env {\n  step() {\n    return 1;\n  }\n}\n', 3, 'Env.step'],
      shell: ['kill() {\n  :\n}\n', 2, 'kill'],
      yaml: ['training:\n  lr: 1\n', 2, 'training.lr'],
      json: ['{"training": {\n  "lr": 1}}\n', 2, 'training.lr'],
      toml: ['[training]\nlr = 1\n', 2, 'training.lr'],
      notebook: ['{"cells": [\n{"cell_type": "code", "source": ["def f():\\n",\n "    return 1\\n"]}]}\n', 3, 'f'],
    };
    for (const [language, [source, line, names]] of Object.entries(samples) as [ScopeLanguage, readonly [string, number, string]][]) {
      const index = findScopes(language, Buffer.from(source));
      expect(index.scopesAt(line).map((scope) => scope.name).join('.'), language).toBe(names);
      expect(index.lineCount, language).toBe(source.split('\n').length - 1);
    }
  });
});
