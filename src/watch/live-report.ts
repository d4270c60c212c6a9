import type { ReportHeader } from '../report/report.js';
import type { IncidentSpool } from '../report/incident-spool.js';
import { writeSpooledJsonReport } from '../report/write-json.js';

/**
 * The `--output` report of a watch, rewritten atomically after incidents so the file on disk is
 * always a whole, valid report. Writes never overlap; incidents that arrive during a write are in the
 * next one, so a burst costs two writes, not one per incident.
 */
export class LiveReport {
  private readonly path: string;
  private readonly header: () => ReportHeader;
  private readonly spool: IncidentSpool;
  private readonly onError: (error: unknown) => void;
  private writing: Promise<void> | null = null;
  private isDirty = false;

  constructor(path: string, header: () => ReportHeader, spool: IncidentSpool, onError: (error: unknown) => void) {
    this.path = path;
    this.header = header;
    this.spool = spool;
    this.onError = onError;
  }

  /** Asks for a rewrite soon. */
  schedule(): void {
    this.isDirty = true;
    this.writing ??= this.writeWhileDirty();
  }

  /** Writes now (after any write under way) and resolves when the file holds everything so far. */
  async flush(): Promise<void> {
    this.schedule();
    while (this.writing) await this.writing;
  }

  private async writeWhileDirty(): Promise<void> {
    try {
      while (this.isDirty) {
        this.isDirty = false;
        await writeSpooledJsonReport(this.path, this.header(), this.spool).catch(this.onError);
      }
    } finally {
      this.writing = null;
    }
  }
}
