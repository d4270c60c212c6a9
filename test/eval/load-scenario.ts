import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, type Category } from '../../src/engine/rule.js';
import type { AgentStep, ExpectedIncident, FileContent, FileMode, Scenario } from './scenario.js';
import { checkReplay } from './check-replay.js';
import { ScenarioError, YamlReader, type YamlPath } from './yaml-reader.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCENARIOS_DIR = join(PROJECT_ROOT, 'fixtures', 'scenarios');
export const SCENARIO_FILE_NAME = 'scenario.yml';

const MODES: readonly FileMode[] = ['644', '755'];
const STEP_KEYS = ['write', 'delete', 'move', 'chmod', 'symlink', 'commit'] as const;
/** Random content is for stand-in binaries; anything bigger belongs in a test of its own. */
const MAX_RANDOM_BYTES = 16 * 1024 * 1024;

/**
 * Loads every scenario under `dir` (one folder each), sorted by name. The first file that does not
 * validate throws a ScenarioError naming it.
 */
export async function loadScenarios(dir: string = SCENARIOS_DIR): Promise<Scenario[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const scenarios: Scenario[] = [];
  for (const name of names) scenarios.push(await loadScenario(join(dir, name)));
  return scenarios;
}

/** Loads and validates `<folder>/scenario.yml`. */
export async function loadScenario(folder: string): Promise<Scenario> {
  const path = join(folder, SCENARIO_FILE_NAME);
  const file = relative(PROJECT_ROOT, path).split(sep).join('/');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ScenarioError(file, null, `cannot read the scenario file (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
  const name = folder.split(sep).filter(Boolean).pop() ?? folder;
  return parseScenario(name, file, text);
}

/** Validates a scenario's text; `file` is only used in messages. */
export function parseScenario(name: string, file: string, text: string): Scenario {
  const reader = new YamlReader(file, text);
  const top = reader.map(reader.root, [], { required: ['title', 'source', 'base', 'agent', 'expect'] });
  const baseMap = reader.freeMap(top['base'], ['base']);
  const base = new Map<string, FileContent>();
  for (const [path, value] of Object.entries(baseMap)) {
    base.set(checkRepoPath(reader, path, ['base', path]), readContent(reader, value, ['base', path]));
  }
  if (base.size === 0) reader.fail(['base'], 'needs at least one file');
  const agent = reader.list(top['agent'], ['agent']).map((step, index) => readStep(reader, step, ['agent', index]));
  if (agent.length === 0) reader.fail(['agent'], 'needs at least one step');
  const expect = reader.map(top['expect'], ['expect'], { required: ['flagged', 'benign'] });
  const scenario: Scenario = {
    name,
    file,
    title: reader.nonEmptyString(top['title'], ['title']),
    source: reader.nonEmptyString(top['source'], ['source']),
    base,
    agent,
    flagged: reader.list(expect['flagged'], ['expect', 'flagged']).map((item, index) => readExpected(reader, item, ['expect', 'flagged', index])),
    benign: reader.list(expect['benign'], ['expect', 'benign']).map((item, index) => checkRepoPath(reader, reader.string(item, ['expect', 'benign', index]), ['expect', 'benign', index])),
  };
  checkReplay(reader, scenario);
  return scenario;
}

function readContent(reader: YamlReader, value: unknown, path: YamlPath): FileContent {
  if (typeof value === 'string') return { kind: 'text', text: value, mode: null };
  const record = reader.map(value, path, { required: [], optional: ['text', 'base64', 'bytes', 'seed', 'mode'] });
  const mode = 'mode' in record ? readMode(reader, record['mode'], [...path, 'mode']) : null;
  const forms = ['text', 'base64', 'bytes'].filter((key) => key in record);
  if (forms.length !== 1) reader.fail(path, 'content needs exactly one of text, base64 or bytes (with seed)');
  if ('seed' in record && !('bytes' in record)) reader.fail([...path, 'seed'], 'seed goes with bytes');
  if ('text' in record) return { kind: 'text', text: reader.string(record['text'], [...path, 'text']), mode };
  if ('base64' in record) {
    const base64 = reader.string(record['base64'], [...path, 'base64']).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) reader.fail([...path, 'base64'], 'not valid base64');
    return { kind: 'base64', base64, mode };
  }
  if (!('seed' in record)) reader.fail(path, 'bytes needs a seed');
  return {
    kind: 'random',
    bytes: readInteger(reader, record['bytes'], [...path, 'bytes'], 1, MAX_RANDOM_BYTES),
    seed: readInteger(reader, record['seed'], [...path, 'seed'], 0, 2 ** 32 - 1),
    mode,
  };
}

function readStep(reader: YamlReader, value: unknown, path: YamlPath): AgentStep {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) reader.fail(path, `a step is a map with one of ${STEP_KEYS.join(', ')}`);
  const kind = STEP_KEYS.filter((key) => key in value);
  if (kind.length !== 1) reader.fail(path, `a step needs exactly one of ${STEP_KEYS.join(', ')}`);
  switch (kind[0]) {
    case 'write': {
      const step = reader.map(value, path, { required: ['write', 'content'] });
      return { kind: 'write', path: readRepoPath(reader, step['write'], [...path, 'write']), content: readContent(reader, step['content'], [...path, 'content']) };
    }
    case 'delete': {
      const step = reader.map(value, path, { required: ['delete'] });
      return { kind: 'delete', path: readRepoPath(reader, step['delete'], [...path, 'delete']) };
    }
    case 'move': {
      const step = reader.map(value, path, { required: ['move', 'to'] });
      return { kind: 'move', from: readRepoPath(reader, step['move'], [...path, 'move']), to: readRepoPath(reader, step['to'], [...path, 'to']) };
    }
    case 'chmod': {
      const step = reader.map(value, path, { required: ['chmod', 'mode'] });
      return { kind: 'chmod', path: readRepoPath(reader, step['chmod'], [...path, 'chmod']), mode: readMode(reader, step['mode'], [...path, 'mode']) };
    }
    case 'symlink': {
      const step = reader.map(value, path, { required: ['symlink', 'target'] });
      return { kind: 'symlink', path: readRepoPath(reader, step['symlink'], [...path, 'symlink']), target: reader.nonEmptyString(step['target'], [...path, 'target']) };
    }
    default: {
      const step = reader.map(value, path, { required: ['commit'] });
      return { kind: 'commit', message: reader.nonEmptyString(step['commit'], [...path, 'commit']) };
    }
  }
}

function readExpected(reader: YamlReader, value: unknown, path: YamlPath): ExpectedIncident {
  const record = reader.map(value, path, { required: ['file', 'category'] });
  const category = reader.string(record['category'], [...path, 'category']);
  if (!(CATEGORIES as readonly string[]).includes(category)) reader.fail([...path, 'category'], `unknown category "${category}" (expected ${CATEGORIES.join(', ')})`);
  return { file: readRepoPath(reader, record['file'], [...path, 'file']), category: category as Category };
}

function readMode(reader: YamlReader, value: unknown, path: YamlPath): FileMode {
  const mode = MODES.find((candidate) => candidate === value);
  if (mode === undefined) reader.fail(path, `mode must be the string '644' or '755', got ${JSON.stringify(value)}`);
  return mode;
}

function readInteger(reader: YamlReader, value: unknown, path: YamlPath, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) reader.fail(path, `expected an integer from ${min} to ${max}`);
  return value;
}

function readRepoPath(reader: YamlReader, value: unknown, path: YamlPath): string {
  return checkRepoPath(reader, reader.string(value, path), path);
}

/** A path inside the repository, written with `/`, that cannot reach outside it or into `.git`. */
function checkRepoPath(reader: YamlReader, value: string, path: YamlPath): string {
  const parts = value.split('/');
  const isBad = value === '' || value.includes('\\') || value.includes('\0') || parts.some((part) => part === '' || part === '.' || part === '..');
  if (isBad) reader.fail(path, `"${value}" is not a relative path with / separators`);
  if (parts[0] === '.git') reader.fail(path, `"${value}" is inside .git, which git history cannot hold`);
  return value;
}
