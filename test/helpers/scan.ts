import type { Incident } from '../../src/engine/incident.js';
import { runScan, type ScanOptions } from '../../src/scan/run-scan.js';

/** Runs the real scan with defaults a test can override. */
export async function scan(path: string, options: Partial<ScanOptions> = {}) {
  return runScan({
    path,
    since: null,
    history: true,
    workingTree: true,
    ruleFiles: [],
    useDefaultRules: true,
    configFile: null,
    failOn: null,
    ...options,
  });
}

/** Incidents as "ruleId file [change] source" strings, for compact assertions. */
export function summarize(incidents: readonly Incident[]): string[] {
  return incidents.map((incident) => {
    const source = incident.source.kind === 'commit' ? incident.source.subject : `working-tree:${incident.source.area}`;
    return `${incident.ruleId} ${incident.file} [${incident.change}] ${source}`;
  });
}
