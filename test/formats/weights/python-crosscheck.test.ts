import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { PICKLE_OPCODES } from '../../../src/formats/weights/pickle/opcodes.js';
import { scanPickle } from '../../../src/formats/weights/pickle/scan.js';
import { everyOpcodePickle } from './builders/pickle.js';

/** Runs a Python snippet that prints JSON. */
function python(script: string, input = ''): unknown {
  const result = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const hasPython = spawnSync('python3', ['--version']).status === 0;

/** Python's own pickles, built at test time; nothing from them is ever unpickled. */
const MAKE_PICKLES = `
import base64, json, os, pickle, pickletools, collections

class Payload:
    def __reduce__(self):
        return (os.system, ('echo pwned',))

class Thing:
    def __init__(self):
        self.x = 1

benign = {
    'ints': [0, 1, -1, 255, 65535, 2**31, -2**31, 2**70, -2**70],
    'floats': [0.5, float('inf')],
    'text': ['', 'a' * 300, 'ünïcödé', 'x' * 70000],
    'bytes': [b'', b'\\x00' * 10, b'y' * 300],
    'nested': ({1, 2}, frozenset([3]), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
    'shared': None,
    'od': collections.OrderedDict(a=1),
    'complex': 1 + 2j,
    'bytearray': bytearray(b'ab'),
}
shared = ['same'] * 3
benign['shared'] = [shared, shared]

out = {}
for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
    out[f'benign-{proto}'] = pickle.dumps(benign, protocol=proto)
    out[f'optimized-{proto}'] = pickletools.optimize(pickle.dumps(benign, protocol=proto))
    out[f'payload-{proto}'] = pickle.dumps(Payload(), protocol=proto)
    out[f'thing-{proto}'] = pickle.dumps(Thing(), protocol=proto)
buffers = []
out['buffers-5'] = pickle.dumps([pickle.PickleBuffer(b'abc'), pickle.PickleBuffer(bytearray(b'd'))], protocol=5, buffer_callback=buffers.append)
print(json.dumps({name: base64.b64encode(data).decode() for name, data in out.items()}))
`;

describe.skipIf(!hasPython)('cross-checked against python3', () => {
  it('knows exactly the opcodes pickletools knows, with the same argument encodings', () => {
    const table = python(`
import json, pickletools
print(json.dumps([[ord(o.code), o.name, o.arg.name if o.arg else None, o.proto] for o in pickletools.opcodes]))
`) as Array<[number, string, string | null, number]>;
    const encoding: Record<string, string> = {
      decimalnl_short: 'line', decimalnl_long: 'line', stringnl: 'line', stringnl_noescape: 'line', unicodestringnl: 'line',
      floatnl: 'line', stringnl_noescape_pair: 'lines2', uint1: 'u1', uint2: 'u2', uint4: 'u4', uint8: 'u8', int4: 'i4',
      float8: 'f8', long1: 'bytes-u1', string1: 'bytes-u1', bytes1: 'bytes-u1', unicodestring1: 'bytes-u1', long4: 'bytes-i4',
      string4: 'bytes-i4', bytes4: 'bytes-u4', unicodestring4: 'bytes-u4', bytes8: 'bytes-u8', unicodestring8: 'bytes-u8',
      bytearray8: 'bytes-u8',
    };
    const theirs = table.map(([code, name, arg, proto]) => [code, name, arg === null ? 'none' : encoding[arg], proto]);
    const ours = [...PICKLE_OPCODES.entries()].map(([code, opcode]) => [code, opcode.name, opcode.arg, opcode.proto]);
    const byCode = (rows: unknown[][]): unknown[][] => [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(byCode(ours)).toEqual(byCode(theirs));
  });

  it('steps through the every-opcode pickle at the same boundaries as pickletools.genops', async () => {
    const bytes = everyOpcodePickle();
    const ops = python(
      `
import json, pickletools, sys
data = bytes.fromhex(sys.stdin.read())
print(json.dumps([[op.name, pos] for op, arg, pos in pickletools.genops(data)]))
`,
      bytes.toString('hex'),
    ) as Array<[string, number]>;
    expect(new Set(ops.map(([name]) => name)).size).toBe(PICKLE_OPCODES.size);
    expect(ops[ops.length - 1]).toEqual(['STOP', bytes.length - 1]);
    const result = await scanPickle(bufferSource(bytes));
    expect(result.opcodeCount).toBe(ops.length);
    expect(result.end).toBe(bytes.length);
  });

  it('walks the pickles Python writes, protocols 0–5, and flags only what is not a checkpoint global', async () => {
    const pickles = python(MAKE_PICKLES) as Record<string, string>;
    const results: Record<string, { unsafe: string[]; problems: string[] }> = {};
    for (const [name, base64] of Object.entries(pickles)) {
      const scan = await scanPickle(bufferSource(Buffer.from(base64, 'base64')));
      expect(scan.isComplete, name).toBe(true);
      results[name] = { unsafe: scan.unsafeGlobals, problems: scan.problems.map((problem) => problem.code) };
    }
    for (let proto = 0; proto <= 5; proto++) {
      expect(results[`benign-${proto}`], `protocol ${proto}`).toEqual({ unsafe: [], problems: [] });
      expect(results[`optimized-${proto}`], `optimized protocol ${proto}`).toEqual({ unsafe: [], problems: [] });
      expect(results[`payload-${proto}`]?.unsafe, `payload protocol ${proto}`).toEqual(['posix.system']);
      expect(results[`thing-${proto}`]?.unsafe.filter((name) => name.startsWith('__main__')), `class protocol ${proto}`).toEqual(['__main__.Thing']);
    }
    expect(results['buffers-5']).toEqual({ unsafe: [], problems: [] });
  });
});
