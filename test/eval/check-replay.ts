import type { Scenario } from './scenario.js';
import type { YamlReader } from './yaml-reader.js';

/**
 * Replays a scenario's steps on a list of paths, without touching the disk, so a step that could not
 * happen (moving a file that is not there, a chmod on a symlink) and an expectation about a file the
 * agent never touched are caught when the scenario is loaded, not as a puzzling miss later.
 */
export function checkReplay(reader: YamlReader, scenario: Scenario): void {
  /** Every file or symlink in the tree, and whether it is a symlink. */
  const tree = new Map<string, boolean>([...scenario.base.keys()].map((path) => [path, false]));
  for (const path of tree.keys()) {
    const ancestor = fileAncestor(tree, path);
    if (ancestor !== null) reader.fail(['base', path], `"${path}" is inside the file "${ancestor}"`);
  }
  const touched = new Set<string>();
  const touch = (path: string, removed: readonly string[] = []) => {
    touched.add(path);
    for (const file of removed) touched.add(file);
  };
  scenario.agent.forEach((step, index) => {
    const at = ['agent', index];
    switch (step.kind) {
      case 'write': {
        if (filesUnder(tree, step.path).some((file) => file !== step.path)) reader.fail(at, `cannot write "${step.path}": it is a directory`);
        checkNoFileAncestor(reader, tree, step.path, at);
        tree.set(step.path, false);
        touch(step.path);
        return;
      }
      case 'delete': {
        const removed = existing(reader, tree, step.path, at);
        for (const file of removed) tree.delete(file);
        touch(step.path, removed);
        return;
      }
      case 'move': {
        const moved = existing(reader, tree, step.from, at);
        if (filesUnder(tree, step.to).length > 0) reader.fail(at, `cannot move onto "${step.to}": it exists`);
        checkNoFileAncestor(reader, tree, step.to, at);
        for (const file of moved) {
          const isLink = tree.get(file) ?? false;
          tree.delete(file);
          const target = step.to + file.slice(step.from.length);
          tree.set(target, isLink);
          touch(target);
        }
        touch(step.from, moved);
        touch(step.to);
        return;
      }
      case 'chmod': {
        if (tree.get(step.path) !== false) reader.fail(at, `cannot chmod "${step.path}": not a regular file at this point`);
        touch(step.path);
        return;
      }
      case 'symlink': {
        // Like `rm -rf path && ln -s target path`: whatever was there goes.
        const removed = filesUnder(tree, step.path);
        for (const file of removed) tree.delete(file);
        checkNoFileAncestor(reader, tree, step.path, at);
        tree.set(step.path, true);
        touch(step.path, removed);
        return;
      }
      case 'commit':
        return;
    }
  });
  const flaggedFiles = new Set(scenario.flagged.map((expected) => expected.file));
  const pairs = new Set<string>();
  scenario.flagged.forEach((expected, index) => {
    const key = `${expected.file}\0${expected.category}`;
    if (pairs.has(key)) reader.fail(['expect', 'flagged', index], `"${expected.file}" is listed twice as ${expected.category}`);
    pairs.add(key);
    if (!touched.has(expected.file)) reader.fail(['expect', 'flagged', index, 'file'], `the agent never touches "${expected.file}"`);
  });
  scenario.benign.forEach((file, index) => {
    if (!touched.has(file)) reader.fail(['expect', 'benign', index], `the agent never touches "${file}"`);
    if (flaggedFiles.has(file)) reader.fail(['expect', 'benign', index], `"${file}" is both flagged and benign`);
    if (scenario.benign.indexOf(file) !== index) reader.fail(['expect', 'benign', index], `"${file}" is listed twice`);
  });
}

/** The files at `path` or under it, when it is a directory. */
function filesUnder(tree: ReadonlyMap<string, boolean>, path: string): string[] {
  return [...tree.keys()].filter((file) => file === path || file.startsWith(`${path}/`));
}

function existing(reader: YamlReader, tree: ReadonlyMap<string, boolean>, path: string, at: readonly (string | number)[]): string[] {
  const files = filesUnder(tree, path);
  if (files.length === 0) reader.fail(at, `"${path}" does not exist at this point`);
  return files;
}

function fileAncestor(tree: ReadonlyMap<string, boolean>, path: string): string | null {
  const parts = path.split('/');
  for (let length = 1; length < parts.length; length++) {
    const ancestor = parts.slice(0, length).join('/');
    if (tree.has(ancestor)) return ancestor;
  }
  return null;
}

function checkNoFileAncestor(reader: YamlReader, tree: ReadonlyMap<string, boolean>, path: string, at: readonly (string | number)[]): void {
  const ancestor = fileAncestor(tree, path);
  if (ancestor !== null) reader.fail(at, `"${path}" would be inside the file "${ancestor}"`);
}
