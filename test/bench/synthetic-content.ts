import type { Prng } from './prng.js';

/** What a synthetic file holds; decides how it is written and edited. */
export type FileKind = 'python' | 'yaml' | 'markdown' | 'jsonl' | 'weights';

/** A file's content: lines of text, or the bytes of a binary file. */
export type FileContent = readonly string[] | Buffer;

export const WORDS = [
  'attention', 'encoder', 'decoder', 'embedding', 'tokenizer', 'rotary', 'mlp', 'norm', 'router', 'expert',
  'adapter', 'lora', 'vision', 'projector', 'head', 'pooler', 'sampler', 'optimizer', 'scheduler', 'loss',
  'metrics', 'dataset', 'collator', 'checkpoint', 'logging', 'sharding', 'quantize', 'cache', 'beam', 'prompt',
  'rollout', 'policy', 'value', 'critic', 'buffer', 'batch', 'gradient', 'warmup', 'eval', 'safety',
] as const;

const PYTHON_CALLS = ['torch.matmul', 'F.softmax', 'F.dropout', 'self.proj', 'self.norm', 'np.clip', 'torch.cat', 'F.gelu', 'self.cache.get', 'math.sqrt'];
const PYTHON_ATTRS = ['shape', 'dtype', 'device', 'weight', 'bias', 'grad', 'data', 'T', 'mask', 'size'];
const YAML_KEYS = ['learning_rate', 'batch_size', 'hidden_size', 'num_layers', 'num_heads', 'dropout', 'warmup_steps', 'max_steps', 'seed', 'eval_interval', 'save_interval', 'weight_decay', 'grad_clip', 'kl_coef', 'gamma', 'lam', 'context_length', 'vocab_size', 'num_workers', 'precision'];
const YAML_SECTIONS = ['model', 'optimizer', 'data', 'trainer', 'eval', 'rl', 'logging', 'checkpoint'];
const PROSE = [
  'The model is trained with a cosine schedule and a short linear warmup.',
  'Evaluation runs every few thousand steps on a held-out split.',
  'Rewards are normalised per batch before the policy update.',
  'Checkpoints are written in safetensors format and kept for a week.',
  'This module assumes inputs are already tokenised and padded.',
  'Gradient clipping keeps the early steps stable on small batches.',
  'See the configuration reference for every option and its default.',
  'Sharded runs write one file per rank and merge them afterwards.',
  'The reward model is frozen during the reinforcement learning stage.',
  'Mixed precision halves memory use with no measurable loss in quality.',
];

/** A snake_case identifier of one or two words. */
export function identifier(rng: Prng): string {
  return rng.isChance(0.5) ? rng.pick(WORDS) : `${rng.pick(WORDS)}_${rng.pick(WORDS)}`;
}

function className(rng: Prng): string {
  return identifier(rng)
    .split('_')
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('');
}

function number(rng: Prng): string {
  return rng.isChance(0.5) ? String(rng.int(1, 4096)) : (rng.next() * 2).toFixed(rng.int(1, 4));
}

function pythonStatement(rng: Prng, indent: string): string {
  const name = identifier(rng);
  switch (rng.int(0, 6)) {
    case 0:
      return `${indent}${name} = ${rng.pick(PYTHON_CALLS)}(${identifier(rng)}, ${identifier(rng)})`;
    case 1:
      return `${indent}${name} = ${identifier(rng)}.${rng.pick(PYTHON_ATTRS)} * ${number(rng)}`;
    case 2:
      return `${indent}logger.info("${rng.pick(WORDS)} %s", ${name})`;
    case 3:
      return `${indent}assert ${name}.${rng.pick(PYTHON_ATTRS)} == ${identifier(rng)}.${rng.pick(PYTHON_ATTRS)}`;
    case 4:
      return `${indent}${name} += ${number(rng)}  # ${rng.pick(WORDS)}`;
    case 5:
      // Now and then a line that oversight rules look at.
      return rng.isChance(0.02) ? `${indent}timeout = ${rng.int(10, 3600)}` : `${indent}return ${name}`;
    default:
      return `${indent}${name} = ${identifier(rng)}(${number(rng)})`;
  }
}

function pythonFile(rng: Prng, path: string, lineCount: number): string[] {
  const lines = [`"""${rng.pick(PROSE)}"""`, '', 'import math', 'import logging', 'import torch', 'import torch.nn.functional as F', '', 'logger = logging.getLogger(__name__)', ''];
  const isTest = path.startsWith('tests/');
  let isFirst = true;
  while (lines.length < lineCount) {
    const functionName = path.endsWith('compute_reward.py') && isFirst ? 'compute_reward' : isTest ? `test_${identifier(rng)}` : identifier(rng);
    isFirst = false;
    let indent = '    ';
    if (!isTest && rng.isChance(0.25)) {
      lines.push(`class ${className(rng)}(torch.nn.Module):`, `    """${rng.pick(PROSE)}"""`, '');
      indent = '        ';
    }
    lines.push(`${indent.slice(4)}def ${functionName}(${indent.length > 4 ? 'self, ' : ''}${identifier(rng)}, ${identifier(rng)}=None):`);
    for (let count = rng.int(3, 14); count > 0; count--) lines.push(pythonStatement(rng, indent));
    lines.push(`${indent}return ${identifier(rng)}`, '');
  }
  return lines;
}

function yamlLine(rng: Prng): string {
  if (rng.isChance(0.01)) return `  timeout_seconds: ${rng.int(30, 7200)}`;
  return `  ${rng.pick(YAML_KEYS)}: ${rng.isChance(0.1) ? rng.pick(['bf16', 'fp32', 'true', 'false', 'cosine']) : number(rng)}`;
}

function yamlFile(rng: Prng, lineCount: number): string[] {
  const lines = [`# ${rng.pick(PROSE)}`];
  while (lines.length < lineCount) {
    lines.push(`${rng.pick(YAML_SECTIONS)}:`);
    for (let count = rng.int(4, 14); count > 0; count--) lines.push(yamlLine(rng));
  }
  return lines;
}

function markdownLine(rng: Prng): string {
  return rng.isChance(0.2) ? `- ${rng.pick(PROSE)}` : `${rng.pick(PROSE)} ${rng.pick(PROSE)}`;
}

function markdownFile(rng: Prng, lineCount: number): string[] {
  const lines = [`# ${className(rng)}`, ''];
  while (lines.length < lineCount) {
    lines.push(`## ${className(rng)}`, '');
    for (let count = rng.int(3, 9); count > 0; count--) lines.push(markdownLine(rng));
    if (rng.isChance(0.3)) lines.push('', '```bash', `python train.py --config configs/${identifier(rng)}.yaml`, '```');
    lines.push('');
  }
  return lines;
}

function jsonlRecord(rng: Prng): string {
  return JSON.stringify({
    id: `ex-${rng.int(0, 999_999).toString().padStart(6, '0')}`,
    prompt: `Explain the ${rng.pick(WORDS)} ${rng.pick(WORDS)}.`,
    completion: rng.pick(PROSE),
    score: Number(rng.next().toFixed(3)),
  });
}

/** A small but well-formed safetensors file: a JSON header, then one tensor's raw bytes. */
export function weightsFile(rng: Prng): Buffer {
  const rows = rng.int(8, 48);
  const columns = 64;
  const dataBytes = rows * columns * 2;
  let header = JSON.stringify({
    __metadata__: { format: 'pt' },
    [`${identifier(rng)}.weight`]: { dtype: 'F16', shape: [rows, columns], data_offsets: [0, dataBytes] },
  });
  header = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, Buffer.from(header, 'utf8'), rng.bytes(dataBytes)]);
}

/** A fresh file of `kind`; text files get `lineCount` lines, give or take a block. */
export function createContent(rng: Prng, kind: FileKind, path: string, lineCount: number): FileContent {
  switch (kind) {
    case 'python':
      return pythonFile(rng, path, lineCount);
    case 'yaml':
      return yamlFile(rng, lineCount);
    case 'markdown':
      return markdownFile(rng, lineCount);
    case 'jsonl':
      return Array.from({ length: lineCount }, () => jsonlRecord(rng));
    case 'weights':
      return weightsFile(rng);
  }
}

function newLine(rng: Prng, kind: FileKind, neighbour: string): string {
  switch (kind) {
    case 'python':
      return pythonStatement(rng, /^\s*/.exec(neighbour)?.[0] || '    ');
    case 'yaml':
      return yamlLine(rng);
    case 'markdown':
      return markdownLine(rng);
    default:
      return jsonlRecord(rng);
  }
}

/**
 * An edit like a person or an agent makes: one to three small hunks, each replacing, inserting or
 * deleting a few lines. Files drift back towards 50–400 lines. Binary files are rewritten.
 */
export function editContent(rng: Prng, kind: FileKind, content: FileContent): FileContent {
  if (Buffer.isBuffer(content)) return weightsFile(rng);
  const lines = [...content];
  if (kind === 'jsonl' && rng.isChance(0.6)) {
    for (let count = rng.int(1, 5); count > 0; count--) lines.push(jsonlRecord(rng));
    return lines;
  }
  for (let hunks = rng.int(1, 3); hunks > 0; hunks--) {
    // Skip the file's head (docstring, imports, title) so edits land in bodies.
    const at = rng.int(Math.min(9, lines.length - 1), lines.length - 1);
    const size = rng.int(1, 4);
    const neighbour = lines[at] ?? '';
    const isStructural = /^(\S|\s*(def|class) )/.test(neighbour) && kind !== 'jsonl' && kind !== 'markdown';
    const action = lines.length > 400 ? 'delete' : lines.length < 50 ? 'insert' : rng.pickWeighted(['replace', 'insert', 'delete'], [5, 3, 2]);
    if (action === 'delete' && !isStructural) {
      lines.splice(at, size);
    } else if (action === 'replace' && !isStructural) {
      lines.splice(at, 1, ...Array.from({ length: size }, () => newLine(rng, kind, neighbour)));
    } else {
      lines.splice(at + 1, 0, ...Array.from({ length: size }, () => newLine(rng, kind, lines[at + 1] ?? neighbour)));
    }
  }
  return lines;
}
