import { describe, expect, it } from 'vitest';
import { parseGitVersion } from '../../src/git/git-version.js';

describe('parseGitVersion', () => {
  it.each([
    ['git version 2.39.5', [2, 39]],
    ['git version 2.36.0.windows.1', [2, 36]],
    ['git version 3.0.0', [3, 0]],
    ['command not found', null],
  ])('%s', (output, expected) => {
    expect(parseGitVersion(output)).toEqual(expected);
  });
});
