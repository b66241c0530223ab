import { ProgressDetail } from '../jobs/export-job';

export type ExportPhase = 'initializing' | 'listing' | 'exporting' | 'writing' | 'packaging';

/** Progress at the start of each phase; each phase fills the range up to the next one. */
const PHASE_START: Record<ExportPhase, number> = {
  initializing: 1,
  listing: 5,
  exporting: 20,
  writing: 90,
  packaging: 97,
};

/** Below 100 until the job is recorded as completed. */
const MAX_BEFORE_COMPLETION = 99;

/**
 * The provider's log lines this tracker understands (reference §3). They are plain strings that
 * change between releases, so each is matched loosely and anything else is ignored.
 */
const LINES = {
  listingStarts: /Starting to build sanitized resource maps for (\d+) exporters/,
  found: /Found (\d+) resources for type (\S+?):?(?:\s|$)/,
  exportingStarts:
    /Starting to retrieve Genesys Cloud objects from Genesys Cloud|Number of exporters to process: \d+/,
  resourceDone: /Successfully processed resource ID/,
  typeDone: /Successfully retrieved \d+ resources for type/,
  writingStarts:
    /Build Genesys Cloud Resources Map|Successfully built resource config map|Writing export (config|state|tfvars) file/,
  /** The new Architect exporter downloads each flow's YAML while the config is written. */
  flowDownloaded: /Downloading export flow '/,
};

const FLOW_TYPE = 'genesyscloud_flow';

/**
 * Derives a job's phase, counters and a 0-99 progress figure from the provider's log. Progress never
 * goes backwards, even when dependency resolution re-runs the listing and export phases.
 */
export class ProgressTracker {
  private phase: ExportPhase = 'initializing';
  private typesTotal = 0;
  private typesListed = 0;
  private typesDone = 0;
  private resourcesFound = 0;
  private resourcesDone = 0;
  private flowsFound = 0;
  private flowsDownloaded = 0;
  private current = PHASE_START.initializing;

  /** Feeds one log line; returns true when the visible progress or detail changed. */
  onLogLine(line: string): boolean {
    const before = this.signature();
    let match: RegExpExecArray | null;
    if ((match = LINES.listingStarts.exec(line))) {
      this.enter('listing');
      this.typesTotal = Math.max(this.typesTotal, Number(match[1]));
    } else if ((match = LINES.found.exec(line))) {
      // The same message is logged again in the export phase; only the listing phase counts it.
      if (this.phase === 'listing') {
        this.typesListed += 1;
        this.resourcesFound += Number(match[1]);
        if (match[2] === FLOW_TYPE) this.flowsFound += Number(match[1]);
      }
    } else if (LINES.exportingStarts.test(line)) {
      this.enter('exporting');
    } else if (LINES.resourceDone.test(line)) {
      this.resourcesDone += 1;
    } else if (LINES.typeDone.test(line)) {
      this.typesDone += 1;
    } else if (LINES.flowDownloaded.test(line)) {
      this.enter('writing');
      this.flowsDownloaded += 1;
    } else if (LINES.writingStarts.test(line)) {
      this.enter('writing');
    }
    this.advance();
    return this.signature() !== before;
  }

  /** The runner's own last step, after the exporter has finished. */
  packaging(): void {
    this.enter('packaging');
    this.advance();
  }

  get progress(): number {
    return this.current;
  }

  get detail(): ProgressDetail {
    return {
      phase: this.phase,
      types_total: this.typesTotal,
      types_listed: this.typesListed,
      types_done: this.typesDone,
      resources_found: this.resourcesFound,
      resources_done: this.resourcesDone,
    };
  }

  private enter(phase: ExportPhase): void {
    // Dependency resolution goes back to listing; the phase shown follows, progress does not.
    this.phase = phase;
  }

  private advance(): void {
    const start = PHASE_START[this.phase];
    const end = this.phase === 'packaging' ? MAX_BEFORE_COMPLETION : PHASE_START[nextPhase(this.phase)];
    const computed = Math.floor(start + (end - start) * this.fractionOfPhase());
    this.current = Math.min(MAX_BEFORE_COMPLETION, Math.max(this.current, computed));
  }

  private fractionOfPhase(): number {
    const ratio = (done: number, total: number) => (total > 0 ? Math.min(1, done / total) : 0);
    switch (this.phase) {
      case 'listing':
        return ratio(this.typesListed, this.typesTotal);
      case 'exporting':
        return this.resourcesFound > 0
          ? ratio(this.resourcesDone, this.resourcesFound)
          : ratio(this.typesDone, this.typesTotal);
      case 'writing':
        return ratio(this.flowsDownloaded, this.flowsFound);
      default:
        return 0;
    }
  }

  private signature(): string {
    return `${this.progress}|${JSON.stringify(this.detail)}`;
  }
}

function nextPhase(phase: ExportPhase): ExportPhase {
  const order: ExportPhase[] = ['initializing', 'listing', 'exporting', 'writing', 'packaging'];
  return order[Math.min(order.indexOf(phase) + 1, order.length - 1)];
}
