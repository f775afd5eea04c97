/**
 * What V8's collector did in a server process, read from its `--trace-gc-nvp` lines as they
 * arrive (one per collection: `… gc=s … allocated=… promoted=…`), summed until taken. For
 * bench/steady.ts --gc-bytes and the common-rate scenario: bytes allocated and promoted per
 * delivered message — the young generation's size and the number of scavenges change from run to
 * run, bytes per message much less. (bench/server-pauses.ts reads the same collections' pauses
 * from /metrics instead, by kind, without the bytes.)
 */
export interface GcFigures {
  /** Bytes allocated in the young generation between collections (V8's `allocated`). */
  allocatedBytes: number;
  /** Bytes young-generation collections moved to the old generation (V8's `promoted`). */
  promotedBytes: number;
  /** Young-generation collections: scavenges (and minor mark-compacts, under --minor-mc). */
  scavenges: number;
  scavengeMs: number;
  /** Mark-compacts (full collections), incremental or not. */
  markCompacts: number;
  markCompactMs: number;
}

/** `[<pid>:<isolate>]   <ms> ms: pause=<ms> mutator=<ms> gc=<kind> …`, as Node 20's V8 prints it. */
const GC_LINE = /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: pause=([\d.]+) mutator=[\d.]+ gc=(\w+) /;
const ALLOCATED = / allocated=(\d+)/;
const PROMOTED = / promoted=(\d+)/;
/** V8's kinds: s (scavenge) and mmc (minor mark-compact) collect the young generation, mc everything. */
const YOUNG_KINDS: ReadonlySet<string> = new Set(['s', 'mmc']);

const numberIn = (line: string, field: RegExp) => Number(field.exec(line)?.[1] ?? 0);

export class GcTrace {
  private figures: GcFigures = GcTrace.empty();

  private static empty(): GcFigures {
    return { allocatedBytes: 0, promotedBytes: 0, scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 };
  }

  /** One line of the process's output; anything but a --trace-gc-nvp line is ignored. */
  feed(line: string): void {
    const match = GC_LINE.exec(line);
    if (!match) return;
    const [, pause, kind] = match;
    this.figures.allocatedBytes += numberIn(line, ALLOCATED);
    if (YOUNG_KINDS.has(kind!)) {
      this.figures.scavenges++;
      this.figures.scavengeMs += Number(pause);
      this.figures.promotedBytes += numberIn(line, PROMOTED);
    } else if (kind === 'mc') {
      this.figures.markCompacts++;
      this.figures.markCompactMs += Number(pause);
    }
  }

  /** What was fed since the last take. */
  take(): GcFigures {
    const taken = this.figures;
    this.figures = GcTrace.empty();
    return taken;
  }
}

/** Bytes allocated and promoted per message, for `messages` delivered while `figures` were collected. */
export function bytesPerMessage(figures: GcFigures, messages: number): { allocated: number; promoted: number } {
  return { allocated: figures.allocatedBytes / messages, promoted: figures.promotedBytes / messages };
}
