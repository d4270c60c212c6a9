/**
 * Writes pickle opcodes by hand, so tests can build exactly the streams an attacker would: hidden
 * STACK_GLOBALs, memo tricks, protocol 0 text. Each helper returns the opcode's bytes.
 */

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

export const op = {
  proto: (version: number): Buffer => Buffer.from([0x80, version]),
  frame: (length: number): Buffer => {
    const buffer = Buffer.alloc(9);
    buffer[0] = 0x95;
    buffer.writeBigUInt64LE(BigInt(length), 1);
    return buffer;
  },
  global: (module: string, name: string): Buffer => Buffer.from(`c${module}\n${name}\n`, 'utf8'),
  inst: (module: string, name: string): Buffer => Buffer.from(`i${module}\n${name}\n`, 'utf8'),
  shortUnicode: (text: string): Buffer => {
    const bytes = Buffer.from(text, 'utf8');
    return Buffer.concat([Buffer.from([0x8c, bytes.length]), bytes]);
  },
  binUnicode: (text: string): Buffer => {
    const bytes = Buffer.from(text, 'utf8');
    return Buffer.concat([latin1('X'), u32(bytes.length), bytes]);
  },
  shortBinstring: (text: string): Buffer => Buffer.concat([Buffer.from([0x55, text.length]), latin1(text)]),
  string0: (quoted: string): Buffer => latin1(`S${quoted}\n`),
  unicode0: (raw: string): Buffer => latin1(`V${raw}\n`),
  binBytes: (bytes: Buffer): Buffer => Buffer.concat([latin1('B'), u32(bytes.length), bytes]),
  binint1: (value: number): Buffer => Buffer.from([0x4b, value]),
  int0: (value: number): Buffer => latin1(`I${value}\n`),
  stackGlobal: latin1('\x93'),
  memoize: latin1('\x94'),
  binput: (index: number): Buffer => Buffer.from([0x71, index]),
  binget: (index: number): Buffer => Buffer.from([0x68, index]),
  longBinput: (index: number): Buffer => Buffer.concat([latin1('r'), u32(index)]),
  longBinget: (index: number): Buffer => Buffer.concat([latin1('j'), u32(index)]),
  put0: (index: number): Buffer => latin1(`p${index}\n`),
  get0: (index: number): Buffer => latin1(`g${index}\n`),
  mark: latin1('('),
  tuple: latin1('t'),
  tuple1: latin1('\x85'),
  tuple2: latin1('\x86'),
  tuple3: latin1('\x87'),
  emptyTuple: latin1(')'),
  emptyDict: latin1('}'),
  emptyList: latin1(']'),
  setitem: latin1('s'),
  setitems: latin1('u'),
  appends: latin1('e'),
  reduce: latin1('R'),
  build: latin1('b'),
  newobj: latin1('\x81'),
  obj: latin1('o'),
  pop: latin1('0'),
  dup: latin1('2'),
  none: latin1('N'),
  binpersid: latin1('Q'),
  ext1: (code: number): Buffer => Buffer.from([0x82, code]),
  stop: latin1('.'),
};

/** Concatenates opcodes into one pickle. */
export function pickle(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/** The classic `__reduce__` payload: `os.system('echo pwned')`, protocol 2. */
export function osSystemPayload(): Buffer {
  return pickle(op.proto(2), op.global('os', 'system'), op.shortBinstring('echo pwned'), op.tuple1, op.reduce, op.stop);
}

/**
 * A protocol 4 payload that never writes `os`/`system` next to a GLOBAL: the names are memoised
 * early, buried under other values, fetched back with BINGET and joined by STACK_GLOBAL.
 */
export function hiddenStackGlobalPayload(): Buffer {
  return pickle(
    op.proto(4),
    op.shortUnicode('o' + 's'),
    op.binput(7),
    op.pop,
    op.shortUnicode('sys' + 'tem'),
    op.memoize, // memo[1]: the memo holds one entry (7) already, so MEMOIZE stores at index 1
    op.pop,
    op.emptyDict,
    op.pop,
    op.binget(7),
    op.binget(1),
    op.stackGlobal,
    op.shortUnicode('id'),
    op.tuple1,
    op.reduce,
    op.stop,
  );
}

/**
 * One pickle that uses every opcode of protocols 0–5 with valid arguments (and a hidden
 * `os.system` via STACK_GLOBAL near the end), balanced so that STOP leaves nothing behind.
 */
export function everyOpcodePickle(): Buffer {
  const raw = (text: string): Buffer => Buffer.from(text, 'latin1');
  const with8 = (code: string, payload: string): Buffer => {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(payload.length));
    return Buffer.concat([raw(code), length, raw(payload)]);
  };
  const collections = (): Buffer => op.global('collections', 'OrderedDict');
  return pickle(
    op.proto(5),
    op.frame(10),
    // Scalars and strings of every encoding, gathered into one tuple and dropped.
    op.mark,
    raw('I42\n'), raw('J\x01\0\0\0'), op.binint1(1), raw('M\x01\x02'), raw('L12L\n'), raw('\x8a\x01\x05'), raw('\x8b\x01\0\0\0\x05'),
    op.string0("'s'"), raw('T\x01\0\0\0x'), op.shortBinstring('y'),
    op.binBytes(raw('b')), raw('C\x01b'), with8('\x8e', 'b'), with8('\x96', 'b'), raw('\x97'), raw('\x98'),
    op.none, raw('\x88'), raw('\x89'),
    op.unicode0('u'), op.shortUnicode('u'), op.binUnicode('u'), with8('\x8d', 'u'),
    raw('F1.5\n'), Buffer.concat([raw('G'), Buffer.alloc(8)]),
    op.tuple, op.pop,
    // Lists, tuples, dicts and sets built every way.
    op.emptyList, op.none, raw('a'), op.mark, op.none, op.appends, op.pop,
    op.mark, op.none, raw('l'), op.pop,
    op.emptyTuple, op.pop, op.mark, op.tuple, op.pop,
    op.none, op.tuple1, op.none, op.tuple2, op.none, op.none, raw('\x87'), op.pop,
    op.emptyDict, op.none, op.none, op.setitem, op.mark, op.none, op.none, op.setitems, op.pop,
    op.mark, op.none, op.none, raw('d'), op.pop,
    raw('\x8f'), op.mark, op.none, raw('\x90'), op.pop, op.mark, op.none, raw('\x91'), op.pop,
    // Stack and memo manipulation.
    op.none, op.dup, op.pop, op.pop, op.mark, op.none, raw('1'),
    op.none, op.put0(1), op.binput(2), op.longBinput(3), op.memoize, op.pop,
    op.get0(1), op.binget(2), op.longBinget(3), op.pop, op.pop, op.pop,
    // Imports and object construction.
    op.ext1(1), op.pop, raw('\x83\x01\x00'), op.pop, raw('\x84\x01\0\0\0'), op.pop,
    collections(), op.emptyTuple, op.reduce, op.emptyDict, op.build, op.pop,
    op.mark, op.inst('collections', 'OrderedDict'), op.pop,
    op.mark, collections(), op.obj, op.pop,
    collections(), op.emptyTuple, op.newobj, op.pop,
    collections(), op.emptyTuple, op.emptyDict, raw('\x92'), op.pop,
    op.shortUnicode('os'), op.shortUnicode('system'), op.stackGlobal, op.pop,
    raw('P1\n'), op.pop, op.none, op.binpersid, op.pop,
    op.none,
    op.stop,
  );
}
