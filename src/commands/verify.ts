import { readEventLogKey } from '../report/event-log.js';
import { verifyEventLog, type EventLogVerification } from '../report/verify-event-log.js';
import { terminalSafe } from '../util/terminal-safe.js';

export interface VerifyOptions {
  /** The event log a `selfmod watch --events` run wrote. */
  readonly eventsFile: string;
  /** The key file given to that run with `--key-file`, or null to check the hashes only. */
  readonly keyFile: string | null;
}

export interface VerifyOutcome {
  /** 0: the log is intact; 1: it is broken (the lines say where and why). */
  readonly exitCode: 0 | 1;
  /** What to print, one line each, already safe for a terminal. */
  readonly lines: readonly string[];
  readonly verification: EventLogVerification;
}

/**
 * `selfmod verify --events <file> [--key-file <file>]`: checks an event log's chain (and HMACs with a
 * key). Throws EventLogError, naming the file, when the log or the key file cannot be read.
 */
export async function runVerify(options: VerifyOptions): Promise<VerifyOutcome> {
  // The key first: a bad key file is the user's mistake to hear about before any verdict on the log.
  const key = options.keyFile === null ? null : await readEventLogKey(options.keyFile);
  const verification = await verifyEventLog(options.eventsFile, { key });
  return {
    exitCode: verification.intact ? 0 : 1,
    lines: describeVerification(options.eventsFile, verification).map(terminalSafe),
    verification,
  };
}

/** The verdict in a few lines: the break first when there is one, then what can be trusted. */
export function describeVerification(file: string, result: EventLogVerification): string[] {
  const checked = result.isHmacChecked ? 'hashes and HMACs checked' : 'hashes checked, no key';
  const lines: string[] = [];
  const broken = result.firstBroken;
  if (broken === null) {
    lines.push(`${file}: intact, ${plural(result.lines, 'line')} (${checked})`);
    if (result.isStopped) lines.push('ends with a stopped line');
  } else {
    const seq = broken.seq === null ? '' : ` (seq ${broken.seq})`;
    lines.push(`${file}: BROKEN at line ${broken.line}${seq}: ${broken.reason}`);
    const after = result.lines - broken.line;
    lines.push(`${plural(broken.line - 1, 'line')} before it intact (${checked}); ${plural(after, 'line')} after it not checked`);
  }
  if (result.last !== null) lines.push(`last intact line: seq ${result.last.seq}, hash ${result.last.hash}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
