import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { isAllowedGlobal, isKnownDangerousGlobal } from '../../../src/formats/weights/pickle/allowlist.js';
import { PICKLE_OPCODES } from '../../../src/formats/weights/pickle/opcodes.js';
import { scanPickle, UNRESOLVED_GLOBAL } from '../../../src/formats/weights/pickle/scan.js';
import { scanPickleStream } from '../../../src/formats/weights/pickle/stream.js';
import { everyOpcodePickle, hiddenStackGlobalPayload, op, osSystemPayload, pickle } from './builders/pickle.js';
import { torchStateDictPickle } from './builders/torch.js';

const scan = (bytes: Buffer) => scanPickle(bufferSource(bytes));
const codes = (problems: ReadonlyArray<{ code: string }>): string[] => problems.map((problem) => problem.code);

describe('scanPickle: what a checkpoint imports', () => {
  it('finds the classic __reduce__ payload', async () => {
    const result = await scan(osSystemPayload());
    expect(result).toMatchObject({ isComplete: true, protocol: 2, globals: ['os.system'], unsafeGlobals: ['os.system'], calls: ['os.system'] });
    expect(result.problems).toEqual([]);
  });

  it('follows STACK_GLOBAL operands through the memo (BINPUT, MEMOIZE, BINGET)', async () => {
    const result = await scan(hiddenStackGlobalPayload());
    expect(result.unsafeGlobals).toEqual(['os.system']);
    expect(result.calls).toEqual(['os.system']);
    expect(result.problems).toEqual([]);
  });

  it('follows operands stored with LONG_BINPUT and fetched with LONG_BINGET, and DUP', async () => {
    const bytes = pickle(
      op.proto(4),
      op.binUnicode('subprocess'),
      op.longBinput(70000),
      op.shortUnicode('check_output'),
      op.dup,
      op.pop,
      op.longBinput(3),
      op.pop,
      op.pop,
      op.longBinget(70000),
      op.longBinget(3),
      op.stackGlobal,
      op.pop,
      op.none,
      op.stop,
    );
    const result = await scan(bytes);
    expect(result.unsafeGlobals).toEqual(['subprocess.check_output']);
    expect(result.problems).toEqual([]);
  });

  it('reads protocol 0 GLOBAL and INST from their text lines', async () => {
    const global0 = pickle(op.global('posix', 'system'), op.mark, op.string0("'id'"), op.tuple, op.reduce, op.stop);
    const inst0 = pickle(op.mark, op.string0("'ls'"), op.inst('subprocess', 'Popen'), op.stop);
    expect((await scan(global0)).unsafeGlobals).toEqual(['posix.system']);
    const inst = await scan(inst0);
    expect(inst).toMatchObject({ unsafeGlobals: ['subprocess.Popen'], calls: ['subprocess.Popen'], protocol: null });
    expect(inst.problems).toEqual([]);
  });

  it('maps Python 2 module names as Python 3 imports them', async () => {
    const bytes = pickle(op.global('__builtin__', 'eval'), op.mark, op.string0("'1'"), op.tuple, op.reduce, op.stop);
    expect((await scan(bytes)).unsafeGlobals).toEqual(['builtins.eval']);
  });

  it('decodes escaped protocol 0 strings before joining them with STACK_GLOBAL', async () => {
    const bytes = pickle(op.string0("'o\\x73'"), op.unicode0('sy\\u0073tem'), op.stackGlobal, op.pop, op.none, op.stop);
    const result = await scan(bytes);
    expect(result.unsafeGlobals).toEqual(['os.system']);
    expect(result.problems).toEqual([]);
  });

  it('follows text PUT and GET', async () => {
    const bytes = pickle(op.shortUnicode('runpy'), op.put0(12), op.pop, op.shortUnicode('run_path'), op.get0(12), op.pop, op.get0(12), op.shortUnicode('_run_code'), op.stackGlobal, op.pop, op.pop, op.none, op.stop);
    expect((await scan(bytes)).unsafeGlobals).toEqual(['runpy._run_code']);
  });

  it('reports a STACK_GLOBAL whose operands are not constants as unsafe in itself', async () => {
    const computed = pickle(
      op.proto(4),
      op.global('builtins', 'str'),
      op.mark,
      op.shortUnicode('os'),
      op.tuple,
      op.reduce, // str('os'): a computed value, not a constant
      op.shortUnicode('system'),
      op.stackGlobal,
      op.pop,
      op.none,
      op.stop,
    );
    const result = await scan(computed);
    expect(result.unsafeGlobals).toEqual([UNRESOLVED_GLOBAL, 'builtins.str']);
    expect(codes(result.problems)).toEqual(['pickle-unresolved-global']);
  });

  it('flags extension-registry imports and BUILD applied to a global', async () => {
    const ext = await scan(pickle(op.proto(2), op.ext1(1), op.emptyTuple, op.reduce, op.stop));
    expect(ext.unsafeGlobals).toEqual(['(extension code 1)']);
    const patch = await scan(pickle(op.proto(2), op.global('torch._utils', '_rebuild_tensor_v2'), op.emptyDict, op.build, op.stop));
    expect(codes(patch.problems)).toEqual(['pickle-build-on-global']);
  });

  it('allows a real torch state dict and notes its rebuild calls', async () => {
    const result = await scan(torchStateDictPickle());
    expect(result.problems).toEqual([]);
    expect(result.unsafeGlobals).toEqual([]);
    expect(result.globals).toEqual(['collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2']);
    expect(result.calls).toEqual(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2']);
  });

  it('does not let a dotted protocol 4 name ride on an allowed module', () => {
    expect(isAllowedGlobal('torch._utils', '_rebuild_tensor_v2')).toBe(true);
    expect(isAllowedGlobal('torch', 'FloatStorage')).toBe(true);
    expect(isAllowedGlobal('torch', '_utils.os.system')).toBe(false);
    expect(isAllowedGlobal('torch._utils', '_rebuild_tensor_v2.__globals__')).toBe(false);
    expect(isKnownDangerousGlobal('torch._utils.os.system')).toBe(true);
    expect(isKnownDangerousGlobal('nt.system')).toBe(true);
    expect(isKnownDangerousGlobal('operator.methodcaller')).toBe(true);
    expect(isKnownDangerousGlobal('webbrowser.open')).toBe(true);
    expect(isKnownDangerousGlobal('collections.OrderedDict')).toBe(false);
  });
});

describe('scanPickle: malformed streams', () => {
  it('stops at an unknown opcode with a problem naming the byte and offset', async () => {
    const result = await scan(pickle(op.proto(2), Buffer.from([0xff]), op.stop));
    expect(result.isComplete).toBe(false);
    expect(result.problems).toEqual([{ code: 'pickle-unknown-opcode', message: 'byte 0xff is no pickle opcode', where: '@2' }]);
  });

  it('reports truncation inside an argument and before STOP', async () => {
    const full = osSystemPayload();
    for (let length = 0; length < full.length; length++) {
      const result = await scan(full.subarray(0, length));
      expect(codes(result.problems), `cut at ${length}`).toContain('pickle-truncated');
    }
  });

  it('reports a negative BINSTRING length instead of reading backwards', async () => {
    const bytes = pickle(Buffer.from([0x54, 0xff, 0xff, 0xff, 0xff]), op.stop);
    expect(codes((await scan(bytes)).problems)).toContain('pickle-negative-length');
  });

  it('reports stack underflow, missing memo entries and unbalanced STOP, and keeps walking', async () => {
    const bytes = pickle(op.reduce, op.binget(9), op.none, op.none, op.stop);
    const result = await scan(bytes);
    expect(result.isComplete).toBe(true);
    expect(codes(result.problems)).toEqual(['pickle-stack-underflow', 'pickle-stack-underflow', 'pickle-computed-callable', 'pickle-memo-missing', 'pickle-unbalanced']);
  });

  it('skips a long byte string without reading it into memory as text', async () => {
    const bytes = pickle(op.proto(3), op.binBytes(Buffer.alloc(100_000, 0x2e)), op.pop, op.global('os', 'system'), op.stop);
    expect((await scan(bytes)).unsafeGlobals).toEqual(['os.system']);
  });

  it('walks every opcode of protocols 0–5 without losing its place', async () => {
    const every = everyOpcodePickle();
    // A loose check that every opcode byte occurs; python-crosscheck.test.ts checks the exact opcode sequence.
    expect([...PICKLE_OPCODES.keys()].filter((code) => !every.includes(code))).toEqual([]);
    const result = await scan(every);
    expect(result.isComplete).toBe(true);
    expect(result.end).toBe(every.length);
    expect(codes(result.problems)).toEqual([]);
    expect(result.unsafeGlobals).toEqual(['(extension code 1)', 'os.system']);
  });
});

describe('scanPickleStream', () => {
  it('walks every pickle of a sequence, so a second pickle cannot hide', async () => {
    const bytes = Buffer.concat([pickle(op.proto(2), op.none, op.stop), osSystemPayload()]);
    const result = await scanPickleStream(bufferSource(bytes), { kind: 'sequence' });
    expect(result.pickleCount).toBe(2);
    expect(result.unsafeGlobals).toEqual(['os.system']);
  });

  it('reports bytes after a single pickle', async () => {
    const result = await scanPickleStream(bufferSource(Buffer.concat([osSystemPayload(), Buffer.from('xx')])), { kind: 'single' });
    expect(codes(result.problems)).toEqual(['pickle-trailing-bytes']);
  });
});
