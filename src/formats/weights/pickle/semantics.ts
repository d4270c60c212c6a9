import type { PickleMachine, StackValue } from './machine.js';
import { decodeDecimal, decodeQuotedString, decodeRawUnicodeEscape, decodeUtf8 } from './text-args.js';

/** An opcode's decoded argument: a number, raw bytes (null when too long to keep), or two lines. */
export type OpcodeArg = number | Uint8Array | null | readonly [Uint8Array | null, Uint8Array | null];

const OTHER: StackValue = { kind: 'other' };

/** Opcodes that push one value we do not need to know. */
const PUSH_OTHER = new Set([
  'LONG', 'LONG4', 'FLOAT', 'BINFLOAT', 'NONE', 'NEWTRUE', 'NEWFALSE', 'BINBYTES', 'SHORT_BINBYTES', 'BINBYTES8',
  'BYTEARRAY8', 'NEXT_BUFFER', 'EMPTY_LIST', 'EMPTY_SET', 'PERSID',
]);
/** Opcodes that pop everything above the mark and push one container we do not follow. */
const COLLECT_TO_MARK = new Set(['LIST', 'FROZENSET']);
/** Opcodes that pop everything above the mark into the container below it. */
const EXTEND_TO_MARK = new Set(['APPENDS', 'ADDITEMS']);
/** Opcodes that make a tuple of the top `n` values. */
const SMALL_TUPLE: ReadonlyMap<string, number> = new Map([
  ['EMPTY_TUPLE', 0],
  ['TUPLE1', 1],
  ['TUPLE2', 2],
  ['TUPLE3', 3],
]);

/**
 * Applies one opcode's effect on the stack, marks and memo as Python's unpickler would, minus
 * every call and import: globals become named placeholders, calls become placeholders that
 * remember which global made them.
 */
export function applyOpcode(machine: PickleMachine, name: string, arg: OpcodeArg, at: number): void {
  if (PUSH_OTHER.has(name)) return machine.push(OTHER);
  if (COLLECT_TO_MARK.has(name)) {
    machine.popToMark(at);
    return machine.push(OTHER);
  }
  if (EXTEND_TO_MARK.has(name)) {
    machine.popToMark(at);
    machine.top(at);
    return;
  }
  const size = SMALL_TUPLE.get(name);
  if (size !== undefined) {
    const items: StackValue[] = [];
    for (let index = 0; index < size; index++) items.unshift(machine.pop(at));
    return machine.push(machine.tuple(items));
  }
  switch (name) {
    case 'BININT':
    case 'BININT1':
    case 'BININT2':
      return machine.push(machine.int(arg as number));
    case 'INT':
      return machine.push(machine.int(arg instanceof Uint8Array ? decodeDecimal(arg) : null));
    case 'LONG1':
      return machine.push(machine.int(arg instanceof Uint8Array ? decodeSmallLong(arg) : null));
    case 'TUPLE':
      return machine.push(machine.tuple(machine.popToMark(at)));
    case 'EMPTY_DICT':
      return machine.push(machine.dict());
    case 'DICT': {
      const pairs = machine.popToMark(at);
      const dict = machine.dict();
      machine.setItems(dict, pairs);
      return machine.push(dict);
    }
    case 'SETITEMS': {
      const pairs = machine.popToMark(at);
      return machine.setItems(machine.top(at), pairs);
    }
    case 'BINPERSID': {
      const id = machine.pop(at);
      return machine.push(machine.tracksStructure ? { kind: 'persid', id } : OTHER);
    }
    case 'STRING':
      return machine.push(machine.text(arg instanceof Uint8Array ? decodeQuotedString(arg) : null));
    case 'BINSTRING':
    case 'SHORT_BINSTRING':
      // Python 3 decodes these with the unpickler's encoding; ASCII names read the same in any of them.
      return machine.push(machine.text(arg instanceof Uint8Array ? Buffer.from(arg).toString('latin1') : null));
    case 'UNICODE':
      return machine.push(machine.text(arg instanceof Uint8Array ? decodeRawUnicodeEscape(arg) : null));
    case 'SHORT_BINUNICODE':
    case 'BINUNICODE':
    case 'BINUNICODE8':
      return machine.push(machine.text(arg instanceof Uint8Array ? decodeUtf8(arg) : null));
    case 'APPEND':
      machine.pop(at);
      machine.top(at);
      return;
    case 'SETITEM': {
      const value = machine.pop(at);
      const key = machine.pop(at);
      return machine.setItems(machine.top(at), [key, value]);
    }
    case 'POP':
      return machine.discard(at);
    case 'DUP':
      return machine.push(machine.top(at));
    case 'MARK':
      return machine.mark();
    case 'POP_MARK':
      machine.popToMark(at);
      return;
    case 'GET':
      return machine.memoGet(arg instanceof Uint8Array ? decodeDecimal(arg) : null, at);
    case 'BINGET':
    case 'LONG_BINGET':
      return machine.memoGet(arg as number, at);
    case 'PUT':
      return machine.memoPut(arg instanceof Uint8Array ? decodeDecimal(arg) : null, at);
    case 'BINPUT':
    case 'LONG_BINPUT':
      return machine.memoPut(arg as number, at);
    case 'MEMOIZE':
      return machine.memoize(at);
    case 'EXT1':
    case 'EXT2':
    case 'EXT4':
      // The copyreg extension registry maps a code to a global we cannot see from here.
      return machine.push({ kind: 'global', module: '(extension)', name: String(arg) });
    case 'GLOBAL':
      return machine.push(globalFromLines(machine, arg));
    case 'STACK_GLOBAL':
      return machine.stackGlobal(at);
    case 'INST': {
      const callable = globalFromLines(machine, arg);
      machine.popToMark(at);
      return machine.call(callable, at);
    }
    case 'OBJ': {
      const [callable] = machine.popToMark(at);
      return machine.call(callable ?? OTHER, at);
    }
    case 'REDUCE':
    case 'NEWOBJ': {
      const args = machine.pop(at);
      return machine.call(machine.pop(at), at, args);
    }
    case 'NEWOBJ_EX': {
      machine.pop(at);
      machine.pop(at);
      return machine.call(machine.pop(at), at);
    }
    case 'BUILD':
      return machine.build(at);
    case 'STOP':
      machine.result = machine.pop(at);
      return;
    case 'PROTO':
    case 'FRAME':
    case 'READONLY_BUFFER':
      return;
    default:
      throw new Error(`pickle opcode ${name} has no semantics`);
  }
}

/** GLOBAL and INST name their global in two UTF-8 lines: module, then name. */
function globalFromLines(machine: PickleMachine, arg: OpcodeArg): StackValue {
  const [moduleLine, nameLine] = Array.isArray(arg) ? (arg as readonly [Uint8Array | null, Uint8Array | null]) : [null, null];
  const module = moduleLine ? decodeUtf8(moduleLine) : null;
  const name = nameLine ? decodeUtf8(nameLine) : null;
  // An unreadable name is still imported by something: it stays in the list, and off the allowlist.
  return machine.importGlobal(module ?? '(unreadable)', name ?? '(unreadable)');
}

/** LONG1's little-endian two's-complement bytes, when they fit a safe integer (shapes and offsets do). */
function decodeSmallLong(bytes: Uint8Array): number | null {
  if (bytes.length === 0) return 0;
  if (bytes.length > 6) return null;
  let value = 0;
  for (let index = bytes.length - 1; index >= 0; index--) value = value * 256 + (bytes[index] as number);
  const isNegative = ((bytes[bytes.length - 1] as number) & 0x80) !== 0;
  return isNegative ? value - 2 ** (8 * bytes.length) : value;
}
