import { OutputError } from '../errors.js';

/** The streams a command writes to; the CLI passes the process's, tests may pass their own. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Whether to colour text output (terminal, NO_COLOR, FORCE_COLOR, --no-color). */
  readonly color: boolean;
}

/** Writing failed because the reader went away (`selfmod scan | head`): not a failure of the scan. */
export class OutputClosedError extends OutputError {}

/**
 * Writes and waits until the stream has taken the text, so exit codes never cut output short. A
 * failed write rejects: OutputClosedError when the reader closed the pipe, else OutputError.
 */
export function writeOut(stream: NodeJS.WritableStream, text: string | Uint8Array, name = 'stdout'): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      stream.off('error', fail);
      const code = error.code ?? error.message;
      reject(code === 'EPIPE' ? new OutputClosedError(name, 'closed by its reader') : new OutputError(name, `cannot write (${code})`, { cause: error }));
    };
    stream.once('error', fail);
    stream.write(text, (error) => {
      if (error) {
        fail(error);
        return;
      }
      stream.off('error', fail);
      resolve();
    });
  });
}

/**
 * As writeOut, but a reader that went away (`selfmod rules list | head`) is not an error: what it
 * did not read is dropped, and the command's exit code still tells its result.
 */
export async function writeOutUnlessClosed(stream: NodeJS.WritableStream, text: string | Uint8Array, name = 'stdout'): Promise<void> {
  try {
    await writeOut(stream, text, name);
  } catch (error) {
    if (!(error instanceof OutputClosedError)) throw error;
  }
}
