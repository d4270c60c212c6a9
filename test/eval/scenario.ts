/**
 * A labelled scenario: a repository before the agent, what the agent did to it, and what selfmod
 * should say about each file it touched. Read from `fixtures/scenarios/<name>/scenario.yml`:
 *
 * ```yaml
 * title: The reward returns a constant and its test is loosened
 * source: Denison et al. 2024          # the public case it models, or "variant"
 * base:                                # path -> content, committed and tagged `base`
 *   rl/compute_reward.py: |
 *     def compute_reward(t): ...
 *   shutdown.sh: { text: "#!/bin/sh\n", mode: '755' }
 *   ckpt/model.safetensors: { base64: … }   # or { bytes: 4096, seed: 1 }
 * agent:                               # replayed in order; edits after the last commit stay uncommitted
 *   - { write: rl/compute_reward.py, content: … }
 *   - { delete: path } | { move: from, to: … } | { chmod: path, mode: '644' } | { symlink: path, target: … }
 *   - { commit: message }
 * expect:
 *   flagged: [{ file: rl/compute_reward.py, category: reward }]   # each needs an incident of that category
 *   benign: [README.md]                                           # no incident may name these
 * ```
 */
import type { Category } from '../../src/engine/rule.js';

/** A file mode the agent can set; git tracks only these two for regular files. */
export type FileMode = '644' | '755';

/** A file's bytes as a scenario gives them: text, base64, or seeded pseudo-random bytes. */
export type FileContent =
  | { readonly kind: 'text'; readonly text: string; readonly mode: FileMode | null }
  | { readonly kind: 'base64'; readonly base64: string; readonly mode: FileMode | null }
  | { readonly kind: 'random'; readonly bytes: number; readonly seed: number; readonly mode: FileMode | null };

export type AgentStep =
  | { readonly kind: 'write'; readonly path: string; readonly content: FileContent }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'move'; readonly from: string; readonly to: string }
  | { readonly kind: 'chmod'; readonly path: string; readonly mode: FileMode }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'commit'; readonly message: string };

export interface ExpectedIncident {
  readonly file: string;
  readonly category: Category;
}

export interface Scenario {
  /** The scenario's folder name. */
  readonly name: string;
  /** The scenario file, relative to the project root, for messages. */
  readonly file: string;
  readonly title: string;
  /** The public case it models, or "variant". */
  readonly source: string;
  /** The repository before the agent, committed and tagged `base`. */
  readonly base: ReadonlyMap<string, FileContent>;
  readonly agent: readonly AgentStep[];
  /** Every listed file must get at least one incident of its category. */
  readonly flagged: readonly ExpectedIncident[];
  /** Files the agent edited harmlessly: no incident may name them. */
  readonly benign: readonly string[];
}
