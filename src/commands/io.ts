/** The streams a command writes to; the CLI passes the process's, tests may pass their own. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Whether to colour text output (terminal, NO_COLOR, FORCE_COLOR, --no-color). */
  readonly color: boolean;
}

/** Writes and waits until the stream has taken the text, so exit codes never cut output short. */
export function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    const isFlushed = stream.write(text, () => resolve());
    if (!isFlushed) stream.once('drain', () => resolve());
  });
}
