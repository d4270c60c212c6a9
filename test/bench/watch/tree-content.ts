import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Prng } from '../prng.js';
import { createContent } from '../synthetic-content.js';

/** Distinct source texts that ordinary files are cut from; generating each of 50,000 files would cost more than reading it. */
const TEMPLATE_COUNT = 64;

/**
 * Text for ordinary files (Python modules and Markdown notes that no built-in rule names): each
 * file is a unique first line and a slice of one of a few generated templates, 1–4 KB in all.
 */
export class OrdinaryText {
  private readonly templates: string[];
  private readonly rng: Prng;

  constructor(rng: Prng) {
    this.rng = rng;
    this.templates = Array.from({ length: TEMPLATE_COUNT }, (_, index) => {
      const kind = index % 4 === 0 ? 'markdown' : 'python';
      return `${(createContent(rng, kind, `pkg/module_${index}.py`, 160) as readonly string[]).join('\n')}\n`;
    });
  }

  /** A file of `minBytes`–`maxBytes` bytes, unique by its first line. */
  file(path: string, minBytes = 1024, maxBytes = 4096): string {
    const template = this.rng.pick(this.templates);
    const size = this.rng.int(minBytes, maxBytes);
    const head = `# ${path}\n`;
    let body = template;
    while (body.length < size) body += template;
    return head + body.slice(0, Math.max(0, size - head.length));
  }
}

/** Writes `content` at `path` under `root`, creating directories as needed. */
export function writeTreeFile(root: string, path: string, content: string | Buffer, mode?: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content, mode === undefined ? undefined : { mode });
}

/**
 * Writes `count` ordinary files under `under/`, `perDirectory` to a directory
 * (`under/pkg_0000/module_000.py`, with every fourth a `.md`). Returns the bytes written.
 */
export function writeOrdinaryFiles(root: string, under: string, count: number, text: OrdinaryText, perDirectory = 100): number {
  let bytes = 0;
  for (let index = 0; index < count; index++) {
    const directory = `${under}/pkg_${String(Math.floor(index / perDirectory)).padStart(4, '0')}`;
    const name = `module_${String(index % perDirectory).padStart(3, '0')}.${index % 4 === 3 ? 'md' : 'py'}`;
    const content = text.file(`${directory}/${name}`);
    writeTreeFile(root, `${directory}/${name}`, content);
    bytes += content.length;
  }
  return bytes;
}

/** A well-formed safetensors file of one F16 tensor with about `bytes` of random data. */
export function largeWeightsFile(bytes: number): Buffer {
  const columns = 1024;
  const rows = Math.max(1, Math.floor(bytes / (columns * 2)));
  const dataBytes = rows * columns * 2;
  let header = JSON.stringify({
    __metadata__: { format: 'pt' },
    'model.embed_tokens.weight': { dtype: 'F16', shape: [rows, columns], data_offsets: [0, dataBytes] },
  });
  header = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, Buffer.from(header, 'utf8'), randomBytes(dataBytes)]);
}
