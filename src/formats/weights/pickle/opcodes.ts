/**
 * How each opcode's argument is encoded in the stream, which is all a walker needs to step over
 * it without losing its place:
 * `u1`/`u2`/`u4`/`u8`/`i4` fixed little-endian integers, `f8` a big-endian double, `line` text up
 * to a newline, `lines2` two such lines, `bytes-*` a byte string prefixed by its length in the
 * named integer encoding.
 */
export type PickleArg = 'none' | 'u1' | 'u2' | 'u4' | 'u8' | 'i4' | 'f8' | 'line' | 'lines2' | 'bytes-u1' | 'bytes-i4' | 'bytes-u4' | 'bytes-u8';

/** One opcode: its pickletools name, how its argument is encoded, the protocol that added it. */
export interface PickleOpcode {
  readonly name: string;
  readonly arg: PickleArg;
  /** The protocol that introduced it. */
  readonly proto: number;
}

/** Every opcode Python's pickletools defines (protocols 0–5), by byte. */
export const PICKLE_OPCODES: ReadonlyMap<number, PickleOpcode> = new Map(
  (
    [
      ['I', 'INT', 'line', 0],
      ['J', 'BININT', 'i4', 1],
      ['K', 'BININT1', 'u1', 1],
      ['M', 'BININT2', 'u2', 1],
      ['L', 'LONG', 'line', 0],
      ['\x8a', 'LONG1', 'bytes-u1', 2],
      ['\x8b', 'LONG4', 'bytes-i4', 2],
      ['S', 'STRING', 'line', 0],
      ['T', 'BINSTRING', 'bytes-i4', 1],
      ['U', 'SHORT_BINSTRING', 'bytes-u1', 1],
      ['B', 'BINBYTES', 'bytes-u4', 3],
      ['C', 'SHORT_BINBYTES', 'bytes-u1', 3],
      ['\x8e', 'BINBYTES8', 'bytes-u8', 4],
      ['\x96', 'BYTEARRAY8', 'bytes-u8', 5],
      ['\x97', 'NEXT_BUFFER', 'none', 5],
      ['\x98', 'READONLY_BUFFER', 'none', 5],
      ['N', 'NONE', 'none', 0],
      ['\x88', 'NEWTRUE', 'none', 2],
      ['\x89', 'NEWFALSE', 'none', 2],
      ['V', 'UNICODE', 'line', 0],
      ['\x8c', 'SHORT_BINUNICODE', 'bytes-u1', 4],
      ['X', 'BINUNICODE', 'bytes-u4', 1],
      ['\x8d', 'BINUNICODE8', 'bytes-u8', 4],
      ['F', 'FLOAT', 'line', 0],
      ['G', 'BINFLOAT', 'f8', 1],
      [']', 'EMPTY_LIST', 'none', 1],
      ['a', 'APPEND', 'none', 0],
      ['e', 'APPENDS', 'none', 1],
      ['l', 'LIST', 'none', 0],
      [')', 'EMPTY_TUPLE', 'none', 1],
      ['t', 'TUPLE', 'none', 0],
      ['\x85', 'TUPLE1', 'none', 2],
      ['\x86', 'TUPLE2', 'none', 2],
      ['\x87', 'TUPLE3', 'none', 2],
      ['}', 'EMPTY_DICT', 'none', 1],
      ['d', 'DICT', 'none', 0],
      ['s', 'SETITEM', 'none', 0],
      ['u', 'SETITEMS', 'none', 1],
      ['\x8f', 'EMPTY_SET', 'none', 4],
      ['\x90', 'ADDITEMS', 'none', 4],
      ['\x91', 'FROZENSET', 'none', 4],
      ['0', 'POP', 'none', 0],
      ['2', 'DUP', 'none', 0],
      ['(', 'MARK', 'none', 0],
      ['1', 'POP_MARK', 'none', 1],
      ['g', 'GET', 'line', 0],
      ['h', 'BINGET', 'u1', 1],
      ['j', 'LONG_BINGET', 'u4', 1],
      ['p', 'PUT', 'line', 0],
      ['q', 'BINPUT', 'u1', 1],
      ['r', 'LONG_BINPUT', 'u4', 1],
      ['\x94', 'MEMOIZE', 'none', 4],
      ['\x82', 'EXT1', 'u1', 2],
      ['\x83', 'EXT2', 'u2', 2],
      ['\x84', 'EXT4', 'i4', 2],
      ['c', 'GLOBAL', 'lines2', 0],
      ['\x93', 'STACK_GLOBAL', 'none', 4],
      ['R', 'REDUCE', 'none', 0],
      ['b', 'BUILD', 'none', 0],
      ['i', 'INST', 'lines2', 0],
      ['o', 'OBJ', 'none', 1],
      ['\x81', 'NEWOBJ', 'none', 2],
      ['\x92', 'NEWOBJ_EX', 'none', 4],
      ['\x80', 'PROTO', 'u1', 2],
      ['.', 'STOP', 'none', 0],
      ['\x95', 'FRAME', 'u8', 4],
      ['P', 'PERSID', 'line', 0],
      ['Q', 'BINPERSID', 'none', 1],
    ] as const
  ).map(([code, name, arg, proto]) => [code.charCodeAt(0), { name, arg, proto }] as const),
);

/** The highest protocol Python (3.8+) writes and this walker understands. */
export const HIGHEST_PICKLE_PROTOCOL = 5;
