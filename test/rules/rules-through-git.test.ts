import { describe, expect, it } from 'vitest';
import { builtinRulesDirectory, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import type { RuleExample } from '../../src/engine/rule.js';
import { binaryStandIn } from '../../src/engine/rule-tester.js';
import { createTestRepo } from '../helpers/git-repo.js';
import { scan } from '../helpers/scan.js';

/**
 * The rule tester builds changes the way the working-tree source does. This runs the same examples
 * through real commits and the git history source instead, so the parser of `git log -p` is held to
 * the same verdicts. Renames are left out: git pairs a move with an edit only above 50% similarity.
 * Paths inside `.git` are left out too: no commit can hold them.
 */
describe('built-in rule examples, committed to a real repository', () => {
  it('are judged the same from git history as by the rule tester', async () => {
    const rules = parseRules(await readRuleTexts([builtinRulesDirectory()]));
    const repo = await createTestRepo();
    try {
      const cases: Array<{ ruleId: string; expectation: 'flag' | 'pass'; example: RuleExample; subject: string }> = [];
      let previous: string | null = null;
      for (const rule of rules) {
        const examples = [
          ...rule.examples.flag.map((example) => ({ example, expectation: 'flag' as const })),
          ...(rule.examples.pass ?? []).map((example) => ({ example, expectation: 'pass' as const })),
        ];
        for (const { example, expectation } of examples) {
          // git never commits a path inside a .git directory; those examples are for watch and snapshots.
          if (example.previousFile || /(^|\/)\.git\//.test(example.file)) continue;
          const subject = `example ${cases.length}`;
          const content = (text: string) =>
            example.encoding === 'base64' ? Buffer.from(text, 'base64') : example.binary ? binaryStandIn(text) : text;
          // Start from a tree holding only this example's "before".
          if (previous) await repo.write({ [previous]: null });
          await repo.write({ [example.file]: null });
          if (example.before !== undefined) await writeVersion(repo, example.file, content(example.before), example.oldMode ?? example.newMode);
          // --force: an example may be an ignore file that ignores itself.
          await repo.git(['add', '--all', '--force']);
          await repo.commit(`before ${cases.length}`);
          if (example.after !== undefined) await writeVersion(repo, example.file, content(example.after), example.newMode ?? example.oldMode);
          else await repo.write({ [example.file]: null });
          await repo.git(['add', '--all', '--force']);
          await repo.commit(subject);
          previous = example.file;
          cases.push({ ruleId: rule.id, expectation, example, subject });
        }
      }
      const { report, failure } = await scan(repo.root, { workingTree: false });
      expect(failure).toBeNull();
      const flagged = new Set(
        report.incidents.map((incident) => `${incident.ruleId}\0${incident.source.kind === 'commit' ? incident.source.subject : ''}`),
      );
      const wrong = cases
        .filter(({ ruleId, expectation, subject }) => flagged.has(`${ruleId}\0${subject}`) !== (expectation === 'flag'))
        .map(({ ruleId, expectation, example }) => `${ruleId}: ${expectation} example ${example.file} judged otherwise`);
      expect(wrong).toEqual([]);
      expect(cases.length).toBeGreaterThan(300);
    } finally {
      await repo.cleanup();
    }
  }, 240_000);
});

async function writeVersion(
  repo: Awaited<ReturnType<typeof createTestRepo>>,
  file: string,
  content: string | Buffer,
  mode: string | undefined,
): Promise<void> {
  if (mode === '120000') {
    await repo.symlink(file, content.toString());
    return;
  }
  await repo.write({ [file]: content });
  await repo.chmod(file, mode === '100755' ? 0o755 : 0o644);
}
