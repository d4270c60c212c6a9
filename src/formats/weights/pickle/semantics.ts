import type { PickleMachine, StackValue } from './machine.js';
import { decodeDecimal, decodeQuotedString, decodeRawUnicodeEscape, decodeUtf8 } from './text-args.js';

/** An opcode's decoded argument: a number, raw bytes (null when too long to keep), or two lines. */
export type OpcodeArg = number | Uint8Array | null | readonly [Uint8Array | null, Uint8Array | null];

const OTHER: StackValue = { kind: 'other' };

/** Opcodes that push one value we do not need to know. */
const PUSH_OTHER = new Set([
  'INT', 'BININT', 'BININT1', 'BININT2', 'LONG', 'LONG1', 'LONG4', 'FLOAT', 'BINFLOAT', 'NONE', 'NEWTRUE', 'NEWFALSE',
  'BINBYTES', 'SHORT_BINBYTES', 'BINBYTES8', 'BYTEARRAY8', 'NEXT_BUFFER', 'EMPTY_LIST', 'EMPTY_TUPLE', 'EMPTY_DICT',
  'EMPTY_SET', 'PERSID',
]);
/** Opcodes that pop everything above the mark and push one container. */
const COLLECT_TO_MARK = new Set(['LIST', 'TUPLE', 'DICT', 'FROZENSET']);
/** Opcodes that pop everything above the mark into the container below it. */
const EXTEND_TO_MARK = new Set(['APPENDS', 'SETITEMS', 'ADDITEMS']);
/** Opcodes that replace the top `n` values by one. */
const FOLD: ReadonlyMap<string, number> = new Map([
  ['TUPLE1', 1],
  ['TUPLE2', 2],
  ['TUPLE3', 3],
  ['BINPERSID', 1],
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
  const fold = FOLD.get(name);
  if (fold !== undefined) {
    for (let index = 0; index < fold; index++) machine.pop(at);
    return machine.push(OTHER);
  }
  switch (name) {
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
    case 'SETITEM':
      machine.pop(at);
      machine.pop(at);
      machine.top(at);
      return;
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
      machine.pop(at);
      return machine.call(machine.pop(at), at);
    }
    case 'NEWOBJ_EX': {
      machine.pop(at);
      machine.pop(at);
      return machine.call(machine.pop(at), at);
    }
    case 'BUILD':
      return machine.build(at);
    case 'STOP':
      machine.pop(at);
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
