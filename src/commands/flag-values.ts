import { UsageError } from '../errors.js';

/** A number of seconds given to `flag` (0 allowed); a bad value is a one-line usage error naming it. */
export function parseSeconds(flag: string, value: string, meaning: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(seconds)) throw new UsageError(`${flag} ${value}: expected ${meaning}`);
  return seconds;
}

/** A whole number of megabytes given to `flag`, in bytes. */
export function parseMegabytes(flag: string, value: string): number {
  const megabytes = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(megabytes)) throw new UsageError(`${flag} ${value}: expected a whole number of megabytes`);
  return megabytes * 1024 * 1024;
}
