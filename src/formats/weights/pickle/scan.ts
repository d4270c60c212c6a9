import type { ByteSource } from '../byte-source.js';
import { SourceCursor, TruncatedInput } from '../cursor.js';
import { compareText, ProblemLog, type WeightsProblem } from '../problems.js';
import { isAllowedGlobal } from './allowlist.js';
import { PickleMachine } from './machine.js';
import { HIGHEST_PICKLE_PROTOCOL, PICKLE_OPCODES, type PickleArg, type PickleOpcode } from './opcodes.js';
import { applyOpcode, type OpcodeArg } from './semantics.js';
import { extractTorchTensors, type TorchTensorRef } from './torch-tensors.js';

/** What walking one pickle found. Nothing in it was executed. */
export interface PickleScan {
  /** Offset of the pickle's first byte and of the byte after its STOP (or where walking ended). */
  readonly start: number;
  readonly end: number;
  /** True when the walk reached STOP. */
  readonly isComplete: boolean;
  /** The protocol its PROTO opcode declared, or null for protocols 0 and 1. */
  readonly protocol: number | null;
  readonly opcodeCount: number;
  /** Every global imported, `module.name`, sorted. */
  readonly globals: string[];
  /** Globals not on the allowlist, plus `(unresolved STACK_GLOBAL)` and `(extension code N)` entries, sorted. */
  readonly unsafeGlobals: string[];
  /** Globals called or built (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST, BUILD), sorted. */
  readonly calls: string[];
  /** With `torchTensors`: the state dict's tensors, in the order the pickle sets them. */
  readonly torchTensors?: TorchTensorRef[];
  /** With `torchTensors`: true when the pickle was too large for every tensor to be followed. */
  readonly isTensorTableTruncated?: boolean;
  readonly problems: WeightsProblem[];
}

/** Where a pickle starts and what else to read from it. */
export interface PickleScanOptions {
  /** Where the pickle starts (default 0). */
  readonly offset?: number;
  /** Extra `module.name` globals to accept, for a project that knowingly pickles its own classes. */
  readonly allow?: ReadonlySet<string>;
  /** Also read the PyTorch tensor table (names, storages, shapes) out of the object the pickle builds. */
  readonly torchTensors?: boolean;
}

/** Text arguments longer than this cannot be names we need; they are stepped over, not read. */
const KEEP_ARG_BYTES = 4096;
/** Listed among unsafe globals when a STACK_GLOBAL's module or name could not be followed. */
export const UNRESOLVED_GLOBAL = '(unresolved STACK_GLOBAL)';
/** The longest fixed-size argument (u8, f8): the loop keeps this much buffered past each opcode. */
const MAX_FIXED_ARG = 8;
const OPCODES_BY_BYTE: ReadonlyArray<PickleOpcode | undefined> = Array.from({ length: 256 }, (_, code) => PICKLE_OPCODES.get(code));

/**
 * Walks one pickle opcode by opcode without executing it, as far as its STOP, and reports what it
 * imports and calls. Every opcode of protocols 0–5 is understood, so the walk never loses its
 * place; an unknown opcode or a truncated argument ends the walk with a problem. Time and memory
 * are bounded by the pickle's length.
 */
export async function scanPickle(source: ByteSource, options: PickleScanOptions = {}): Promise<PickleScan> {
  const start = options.offset ?? 0;
  const cursor = new SourceCursor(source, start);
  const problems = new ProblemLog();
  const machine = new PickleMachine(problems, options.torchTensors === true);
  const extensions = new Set<string>();
  let protocol: number | null = null;
  let opcodeCount = 0;
  let isComplete = false;
  let at = start;
  try {
    for (;;) {
      at = cursor.position;
      // One read of the window serves many opcodes; awaiting only when it runs dry keeps the walk fast.
      if (!cursor.ready(MAX_FIXED_ARG + 1)) await cursor.need(Math.min(MAX_FIXED_ARG + 1, cursor.remaining));
      const code = cursor.u8();
      const opcode = OPCODES_BY_BYTE[code];
      if (!opcode) {
        problems.add('pickle-unknown-opcode', `byte 0x${code.toString(16).padStart(2, '0')} is no pickle opcode`, `@${at}`);
        break;
      }
      opcodeCount++;
      let arg = readArg(cursor, opcode.arg, problems, at);
      if (arg instanceof Promise) arg = await arg;
      if (opcode.name === 'PROTO') {
        protocol = arg as number;
        if (protocol > HIGHEST_PICKLE_PROTOCOL) problems.add('pickle-bad-protocol', `protocol ${protocol} is beyond ${HIGHEST_PICKLE_PROTOCOL}`, `@${at}`);
      }
      if (opcode.name.startsWith('EXT')) extensions.add(`(extension code ${String(arg)})`);
      applyOpcode(machine, opcode.name, arg, at);
      if (opcode.name === 'STOP') {
        isComplete = true;
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof TruncatedInput)) throw error;
    problems.add('pickle-truncated', `ends inside an opcode or before STOP, at byte ${error.offset}`, `@${at}`);
  }
  const depth = machine.depth;
  if (isComplete && (depth.values !== 0 || depth.marks !== 0)) {
    problems.add('pickle-unbalanced', `STOP leaves ${depth.values} values and ${depth.marks} marks behind`, `@${at}`);
  }
  const globals = [...machine.imports.keys()].sort(compareText);
  const unsafe = [...machine.imports.entries()]
    .filter(([, { module, name }]) => !isAllowedGlobal(module, name, options.allow))
    .map(([qualified]) => qualified);
  if (machine.unresolvedGlobals > 0) unsafe.push(UNRESOLVED_GLOBAL);
  unsafe.push(...extensions);
  return {
    start,
    end: cursor.position,
    isComplete,
    protocol,
    opcodeCount,
    globals,
    unsafeGlobals: unsafe.sort(compareText),
    calls: [...machine.calls].sort(compareText),
    ...(options.torchTensors
      ? { torchTensors: isComplete ? extractTorchTensors(machine.result) : [], isTensorTableTruncated: machine.isStructureTruncated }
      : {}),
    problems: problems.list(),
  };
}

/**
 * An opcode's argument. Synchronous while the bytes are in the cursor's window (the usual case:
 * the loop keeps enough buffered for any fixed-size argument); a promise only when more must be read.
 */
function readArg(cursor: SourceCursor, kind: PickleArg, problems: ProblemLog, at: number): OpcodeArg | Promise<OpcodeArg> {
  switch (kind) {
    case 'none':
      return null;
    case 'u1':
      return cursor.u8();
    case 'u2':
      return cursor.u16();
    case 'u4':
      return cursor.u32();
    case 'i4':
      return cursor.i32();
    case 'u8':
      return Number(cursor.u64());
    case 'f8':
      cursor.skip(8);
      return null;
    case 'line':
      return readLine(cursor);
    case 'lines2':
      return readTwoLines(cursor);
    case 'bytes-u1':
      return readCounted(cursor, cursor.u8());
    case 'bytes-u4':
      return readCounted(cursor, cursor.u32());
    case 'bytes-u8': {
      const length = cursor.u64();
      if (length > BigInt(cursor.remaining)) throw new TruncatedInput(cursor.end);
      return readCounted(cursor, Number(length));
    }
    case 'bytes-i4': {
      const length = cursor.i32();
      if (length < 0) {
        problems.add('pickle-negative-length', `length ${length} is negative (Python refuses it)`, `@${at}`);
        return null;
      }
      return readCounted(cursor, length);
    }
  }
}

/** A length-prefixed argument: its bytes when short, else null after stepping over it. */
function readCounted(cursor: SourceCursor, length: number): Uint8Array | null | Promise<Uint8Array | null> {
  if (length > KEEP_ARG_BYTES) {
    cursor.skip(length);
    return null;
  }
  if (cursor.ready(length)) return cursor.take(length);
  return cursor.need(length).then(() => cursor.take(length));
}

async function readTwoLines(cursor: SourceCursor): Promise<OpcodeArg> {
  const first = await readLine(cursor);
  return [first, await readLine(cursor)];
}

/** A newline-terminated argument without its newline: its bytes when short, else null after stepping over it. */
async function readLine(cursor: SourceCursor): Promise<Uint8Array | null> {
  const newline = await cursor.indexOf(0x0a);
  if (newline < 0) throw new TruncatedInput(cursor.end);
  const line = await readCounted(cursor, newline - cursor.position);
  cursor.skip(1);
  return line;
}
