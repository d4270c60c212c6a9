/** Redraws one status line on a terminal at most every `intervalMs`; prints nothing elsewhere. */
export function createProgressLine(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  label: string,
  intervalMs = 100,
): { update(done: number, total: number): void; clear(): void } {
  let lastDraw = 0;
  let isDrawn = false;
  return {
    update(done, total) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - lastDraw < intervalMs && done < total) return;
      lastDraw = now;
      isDrawn = true;
      stream.write(`\r\x1b[2K${label}: ${done}/${total} commits`);
    },
    clear() {
      if (isDrawn) stream.write('\r\x1b[2K');
      isDrawn = false;
    },
  };
}
