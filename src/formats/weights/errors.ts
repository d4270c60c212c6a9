import { SelfmodError } from '../../errors.js';

/**
 * Reading a weight file failed at the operating-system level (it vanished, a disk error, it shrank
 * while being read). Malformed content is never an error: it is a {@link WeightsProblem}.
 */
export class WeightsReadError extends SelfmodError {
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('weights-read', `${file}: ${reason}`, options);
    this.file = file;
  }
}
