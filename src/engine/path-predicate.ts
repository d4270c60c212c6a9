import { compileGlob } from './glob.js';
import { PatternError } from './pattern-error.js';

/** Whether a path is one a `path` node protects, remembered per path. */
export function compilePathPredicate(
  spec: readonly string[] | { readonly include: readonly string[]; readonly exclude?: readonly string[] },
  path: ReadonlyArray<string | number> = [],
): (file: string) => boolean {
  const include = Array.isArray(spec) ? (spec as readonly string[]) : (spec as { include: readonly string[] }).include;
  const exclude = Array.isArray(spec) ? [] : ((spec as { exclude?: readonly string[] }).exclude ?? []);
  const includePath = Array.isArray(spec) ? path : [...path, 'include'];
  const includes = include.map((glob, i) => compileGlobAt(glob, [...includePath, i]));
  const excludes = exclude.map((glob, i) => compileGlobAt(glob, [...path, 'exclude', i]));
  // A history touches the same few hundred paths thousands of times: remember recent answers. Kept
  // small, because a rule set has hundreds of these and a long history tens of thousands of paths
  // (the rule index keeps each path's answers for the scan's own matching).
  const answers = new Map<string, boolean>();
  return (file: string) => {
    let answer = answers.get(file);
    if (answer === undefined) {
      answer = includes.some((test) => test(file)) && !excludes.some((test) => test(file));
      if (answers.size >= MAX_REMEMBERED) answers.clear();
      answers.set(file, answer);
    }
    return answer;
  };
}

/** Answers one predicate remembers. */
const MAX_REMEMBERED = 1024;

function compileGlobAt(glob: string, path: ReadonlyArray<string | number>): (file: string) => boolean {
  if (glob.startsWith('!')) {
    // In .gitignore this negates; here it would silently match a literal "!", so say so instead.
    throw new PatternError(path, `glob ${JSON.stringify(glob)} starts with "!": negation is written as path.exclude`);
  }
  try {
    return compileGlob(glob);
  } catch (error) {
    throw new PatternError(path, `invalid glob ${JSON.stringify(glob)}: ${(error as Error).message}`);
  }
}
