import { describe, expect, it } from 'vitest';
import { findJavaScriptScopes } from '../../../src/formats/scopes/javascript-scopes.js';
import { MAX_SCOPE_DEPTH, MAX_TOKENIZED_LENGTH } from '../../../src/formats/scopes/scope-index.js';
import { expectScopes, MALFORMED_SAMPLES, namesByLine } from './expect-scopes.js';

describe('findJavaScriptScopes: a TRL-style trainer in TypeScript', () => {
  const trainer: readonly (readonly [string, string])[] = [
    ["import { Trainer, type TrainerArgs } from './trainer.js';", ''],
    ['', ''],
    ['export abstract class GRPOTrainer<T extends Model = Model> extends Trainer implements HasLoss {', 'GRPOTrainer'],
    ['  private readonly beta: number = 0.04;', 'GRPOTrainer'],
    ['  static #instances = 0;', 'GRPOTrainer'],
    ['', 'GRPOTrainer'],
    ['  constructor(private readonly model: T, args: Map<string, TrainerArgs>) {', 'GRPOTrainer.constructor'],
    ['    super(model, args);', 'GRPOTrainer.constructor'],
    ['  }', 'GRPOTrainer.constructor'],
    ['', 'GRPOTrainer'],
    ['  abstract rewardModel(prompt: string): number', 'GRPOTrainer'],
    ['  computeLoss(inputs: Batch, returnOutputs = false): { loss: Tensor } {', 'GRPOTrainer.computeLoss'],
    ['    if (returnOutputs) {', 'GRPOTrainer.computeLoss'],
    ["      throw new Error('GRPOTrainer does not return outputs {');", 'GRPOTrainer.computeLoss'],
    ['    }', 'GRPOTrainer.computeLoss'],
    ['    const advantages = inputs.rewards.map((reward) => {', 'GRPOTrainer.computeLoss'],
    ['      return (reward - mean) / std;', 'GRPOTrainer.computeLoss'],
    ['    });', 'GRPOTrainer.computeLoss'],
    ['    return { loss: advantages.sum() };', 'GRPOTrainer.computeLoss'],
    ['  }', 'GRPOTrainer.computeLoss'],
    ['', 'GRPOTrainer'],
    ['  async *generate(prompts: string[]): AsyncGenerator<string> {', 'GRPOTrainer.generate'],
    ['    for (const prompt of prompts) yield prompt;', 'GRPOTrainer.generate'],
    ['  }', 'GRPOTrainer.generate'],
    ['  get klCoefficient(): number { return this.beta; }', 'GRPOTrainer.klCoefficient'],
    ['  static create() { return null; }', 'GRPOTrainer.create'],
    ['  #clipRewards(rewards: number[]) {', 'GRPOTrainer.#clipRewards'],
    ['    return rewards.map((r) => Math.min(r, 1));', 'GRPOTrainer.#clipRewards'],
    ['  }', 'GRPOTrainer.#clipRewards'],
    ['  onStepEnd = async (step: number): Promise<void> => {', 'GRPOTrainer.onStepEnd'],
    ['    await this.log(step);', 'GRPOTrainer.onStepEnd'],
    ['  };', 'GRPOTrainer.onStepEnd'],
    ['}', 'GRPOTrainer'],
    ['', ''],
    ['export async function computeReward(completions: string[]): Promise<number[]> {', 'computeReward'],
    ['  return completions.map((completion) => (completion.includes("}") ? 1.0 : 0.0));', 'computeReward'],
    ['}', 'computeReward'],
    ['', ''],
    ['export const lengthPenalty = async (completion: string): Promise<number> => {', 'lengthPenalty'],
    ['  return -completion.length / 1000;', 'lengthPenalty'],
    ['};', 'lengthPenalty'],
    ['const scale = (x: number) =>', 'scale'],
    ['  x * 2;', 'scale'],
    ['main();', ''],
  ];

  it('chains methods under their class and assigns every line', () => {
    expectScopes(findJavaScriptScopes, trainer);
  });

  it('gives scopes their kind and header line', () => {
    const index = findJavaScriptScopes(trainer.map(([text]) => `${text}\n`).join(''));
    expect(index.scopesAt(13)).toEqual([
      { kind: 'class', name: 'GRPOTrainer', line: 3 },
      { kind: 'function', name: 'computeLoss', line: 12 },
    ]);
    expect(index.scopesAt(40)).toEqual([{ kind: 'function', name: 'lengthPenalty', line: 39 }]);
  });
});

describe('findJavaScriptScopes: declarations', () => {
  it('reads function declarations, generators, default exports and function expressions', () => {
    expectScopes(findJavaScriptScopes, [
      ['function plain(a, b) { return a + b; }', 'plain'],
      ['function* steps() {', 'steps'],
      ['  yield 1;', 'steps'],
      ['}', 'steps'],
      ['export default async function handler(req) {', 'handler'],
      ['  return req;', 'handler'],
      ['}', 'handler'],
      ['let named = function inner() { return 1; };', 'named'],
      ['var legacy = function () {', 'legacy'],
      ['  return 2;', 'legacy'],
      ['};', 'legacy'],
      ['const Model = class extends Base {', 'Model'],
      ['  forward(x) { return x; }', 'Model.forward'],
      ['};', 'Model'],
      ['export default class {', 'default'],
      ['  run() {}', 'default.run'],
      ['}', 'default'],
    ]);
  });

  it('names anonymous default-exported functions `default`', () => {
    expectScopes(findJavaScriptScopes, [
      ['export default function () {', 'default'],
      ['  return 1;', 'default'],
      ['}', 'default'],
    ]);
  });

  it('reads functions assigned to members at a statement\'s start, named after the member', () => {
    expectScopes(findJavaScriptScopes, [
      ['exports.handler = async (event) => {', 'handler'],
      ['  return event;', 'handler'],
      ['};', 'handler'],
      ['Trainer.prototype.step = function () {', 'step'],
      ['  this.n++;', 'step'],
      ['};', 'step'],
      ['module.exports = { step: Trainer.prototype.step };', ''],
    ]);
  });

  it('does not take values that are not functions, or destructuring, for scopes', () => {
    expectScopes(findJavaScriptScopes, [
      ['const { reward, penalty } = config;', ''],
      ['export const threshold = compute(0.5);', ''],
      ['const handler = useCallback(() => {', ''],
      ['  submit();', ''],
      ['}, []);', ''],
      ['let x: (a: number) => void = noop;', ''],
    ]);
  });

  it('skips type annotations on declarations and arrow functions', () => {
    expectScopes(findJavaScriptScopes, [
      ['const grade: Grader<Map<string, number>> = <T,>(sample: T): Promise<{ score: number }> => {', 'grade'],
      ['  return evaluate(sample);', 'grade'],
      ['};', 'grade'],
      ['const pick: (a: number) => number = (a) => a;', 'pick'],
      ['declare function external(x: number): void;', ''],
      ['function typed(x: number): asserts x is Positive {', 'typed'],
      ['}', 'typed'],
    ]);
  });

  it('ends an expression-bodied arrow function at the end of its statement', () => {
    expectScopes(findJavaScriptScopes, [
      ['const total = (xs) =>', 'total'],
      ['  xs', 'total'],
      ['    .map((x) => x * 2)', 'total'],
      ['    .reduce((a, b) => a + b, 0)', 'total'],
      ['const next = 1', ''],
      ['const make = () => ({', 'make'],
      ['  step() {', 'make.step'],
      ['    return 1;', 'make.step'],
      ['  },', 'make.step'],
      ['});', 'make'],
      ['const curry = (a) => (b) => {', 'curry'],
      ['  return a + b;', 'curry'],
      ['};', 'curry'],
    ]);
  });
});

describe('findJavaScriptScopes: classes and object literals', () => {
  it('reads getters, setters, static, private and overloaded methods, and decorators', () => {
    expectScopes(findJavaScriptScopes, [
      ["@Component({ selector: 'reward-panel' })", 'RewardPanel'],
      ['export class RewardPanel {', 'RewardPanel'],
      ['  @Input() weight: number;', 'RewardPanel'],
      ["  @HostListener('click')", 'RewardPanel.onClick'],
      ['  onClick(event: Event) {', 'RewardPanel.onClick'],
      ['  }', 'RewardPanel.onClick'],
      ['  set weightValue(value) { this.weight = value; }', 'RewardPanel.weightValue'],
      ['  score(a: string): number', 'RewardPanel'],
      ['  score(a: any): number {', 'RewardPanel.score'],
      ['    return 1;', 'RewardPanel.score'],
      ['  }', 'RewardPanel.score'],
      ['  static async #load() {}', 'RewardPanel.#load'],
      ['  get() { return 1; }', 'RewardPanel.get'],
      ['}', 'RewardPanel'],
    ]);
  });

  it('reads object-literal methods and properties holding functions', () => {
    expectScopes(findJavaScriptScopes, [
      ['const rewards = {', ''],
      ['  accuracy(sample) { return 1; },', 'accuracy'],
      ['  format: function (sample) {', 'format'],
      ['    return 0;', 'format'],
      ['  },', 'format'],
      ['  length: (sample) => sample.length,', 'length'],
      ["  'kl-penalty': async (sample) => {", 'kl-penalty'],
      ['    return -1;', 'kl-penalty'],
      ['  },', 'kl-penalty'],
      ['  get total() { return 3; },', 'total'],
      ['  weight: 0.5,', ''],
      ['  nested: { inner() {} },', 'inner'],
      ['};', ''],
    ]);
  });

  it('nests functions in functions and does not make scopes of control flow or callbacks', () => {
    expectScopes(findJavaScriptScopes, [
      ['function outer()', 'outer'],
      ['{', 'outer'],
      ['  function inner() {', 'outer.inner'],
      ['    if (x) { while (y) { for (;;) {} } }', 'outer.inner'],
      ['    switch (z) { case 1: { break; } }', 'outer.inner'],
      ['    try { a(); } catch (e) { b(); } finally { c(); }', 'outer.inner'],
      ['  }', 'outer.inner'],
      ['  return inner;', 'outer'],
      ['}', 'outer'],
      ["describe('reward', () => {", ''],
      ["  it('scores', function () {", ''],
      ['    expect(score()).toBe(1);', ''],
      ['  });', ''],
      ['});', ''],
      ['interface Grader {', ''],
      ['  grade(): number;', ''],
      ['  scale(by: number): { x: number };', ''],
      ['}', ''],
    ]);
  });
});

describe('findJavaScriptScopes: strings, comments, templates and regular expressions', () => {
  it('does not count braces inside them, nor take a function in them for a header', () => {
    expectScopes(findJavaScriptScopes, [
      ['// function fake() {', ''],
      ['/* class Fake {', ''],
      ['   } */', ''],
      ['function real() {', 'real'],
      ["  const a = 'it\\'s {';", 'real'],
      ['  const b = "}} function f() {";', 'real'],
      ['  const c = `${`${"}"}`} } ${ { a: 1 }.a } function g() {', 'real'],
      ['  `;', 'real'],
      ['  const d = /[}{]\\/*/g.test(a) ? 1 : 2 / 3;', 'real'],
      ['  return x / y / z;', 'real'],
      ['}', 'real'],
      ['function after() {}', 'after'],
    ]);
  });

  it('reads JSX with a callback and a stray apostrophe in its text', () => {
    expectScopes(findJavaScriptScopes, [
      ['export function App({ items }) {', 'App'],
      ['  return (', 'App'],
      ['    <div onClick={() => { setOpen(true); }}>', 'App'],
      ["      Don't stop {items.length}", 'App'],
      ['    </div>', 'App'],
      ['  );', 'App'],
      ['}', 'App'],
      ['function next() {}', 'next'],
    ]);
  });
});

describe('findJavaScriptScopes: line ends and malformed input', () => {
  it('reads CRLF line ends, a byte order mark, a shebang and bytes', () => {
    const index = findJavaScriptScopes(Buffer.from('\uFEFF#!/usr/bin/env node\r\nfunction main() {\r\n  run();\r\n}\r\n'));
    expect(index.lineCount).toBe(4);
    expect(namesByLine(index)).toEqual(['', 'main', 'main', 'main']);
  });

  it('indexes an empty file as no lines', () => {
    expect(findJavaScriptScopes('').lineCount).toBe(0);
    expect(findJavaScriptScopes('').scopesAt(1)).toEqual([]);
  });

  it('runs an unclosed body to the end of the file', () => {
    expectScopes(findJavaScriptScopes, [
      ['function broken() {', 'broken'],
      ['  if (x) {', 'broken'],
      ['function after() {}', 'broken.after'],
    ]);
  });

  it('keeps the outermost 100 scopes of a chain nested deeper', () => {
    const index = findJavaScriptScopes('function f() {\n'.repeat(1000));
    expect(index.scopesAt(1000)).toHaveLength(MAX_SCOPE_DEPTH);
    expect(index.scopesAt(1000)[99]).toEqual({ kind: 'function', name: 'f', line: 100 });
  });

  it('gives no scopes to a source too large to tokenize, and still counts its lines', () => {
    const source = 'function f() {}\n'.repeat(Math.ceil((MAX_TOKENIZED_LENGTH + 1) / 16));
    const index = findJavaScriptScopes(source);
    expect(index.lineCount).toBe(source.length / 16);
    expect(index.scopesAt(1)).toEqual([]);
    expect(findJavaScriptScopes('function f() {}\n'.repeat(1000)).scopesAt(1000)).toEqual([{ kind: 'function', name: 'f', line: 1000 }]);
  });

  it('never throws on malformed input', () => {
    const samples = [...MALFORMED_SAMPLES, 'class { (', 'function (', 'const = =>', '=> => =>', 'a => '.repeat(5000), '@@@', 'x = async', '`${'.repeat(1000)];
    for (const sample of samples) {
      const index = findJavaScriptScopes(sample);
      for (let line = 0; line <= index.lineCount + 1; line++) expect(Array.isArray(index.scopesAt(line))).toBe(true);
    }
  });
});

describe('findJavaScriptScopes: several scopes on a line', () => {
  it('encloses a line by every function it holds part of, so none hides behind another', () => {
    const oneLine = findJavaScriptScopes('function computeReward() { return 1.0 } function helper() { return 2 }\n');
    expect(oneLine.scopesAt(1).map((scope) => scope.name)).toEqual(['computeReward', 'helper']);
    // A file whose lines end in a carriage return alone is one line to git.
    const carriage = findJavaScriptScopes('function computeReward() {\r  return 1;\r}\rfunction other() {\r  return 2;\r}\r');
    expect(carriage.scopesAt(1).map((scope) => scope.name)).toEqual(['computeReward', 'other']);
  });

  it('keeps a header line nested under its scopes', () => {
    const index = findJavaScriptScopes('class A {\n  m() {\n    return 1;\n  }\n}\n');
    expect(index.scopesAt(2).map((scope) => scope.name)).toEqual(['A', 'm']);
  });
});

describe('findJavaScriptScopes: names written as strings', () => {
  it('names methods and properties whose keys are strings in brackets, and members assigned by a string', () => {
    const index = findJavaScriptScopes(
      ['const grader = {', '  ["computeReward"]() {', '    return 1;', '  },', '  [`score`]: () => {', '    return 2;', '  },', '};', 'grader["grade"] = function () {', '  return 3;', '};', ''].join('\n'),
    );
    expect([2, 3, 5, 6, 9, 10].map((line) => index.scopesAt(line).map((scope) => scope.name).join('.'))).toEqual(['computeReward', 'computeReward', 'score', 'score', 'grade', 'grade']);
  });

  it('does not name a key computed from anything but a plain string', () => {
    const index = findJavaScriptScopes('const o = {\n  [`${name}`]() {\n    return 1;\n  },\n  [key]() {\n    return 2;\n  },\n};\n');
    expect(index.scopesAt(3)).toEqual([]);
    expect(index.scopesAt(6)).toEqual([]);
  });
});
