import type { Incident } from '../../src/engine/incident.js';
import { materializeReport, runScan, scanOptionsFor, type ScanOptions } from '../../src/scan/run-scan.js';

/** Runs the real scan with defaults a test can override; the report comes back whole. */
export async function scan(path: string, options: Partial<ScanOptions> = {}) {
  const result = await runScan(scanOptionsFor(path, options));
  return { report: materializeReport(result), failOn: result.failOn, failure: result.failure };
}

/** Incidents as "ruleId file [change] source" strings, for compact assertions. */
export function summarize(incidents: readonly Incident[]): string[] {
  return incidents.map((incident) => {
    const origin = incident.source;
    const source = origin.kind === 'commit' ? origin.subject : origin.kind === 'working-tree' ? `working-tree:${origin.area}` : origin.kind;
    return `${incident.ruleId} ${incident.file} [${incident.change}] ${source}`;
  });
}
