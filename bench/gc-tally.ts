/**
 * What V8's collector did in a server process, read from its `--trace-gc-nvp` lines as they
 * arrive (one per collection: `… gc=s … allocated=… promoted=…`), summed until taken. For
 * bench/steady.ts --gc-bytes: bytes allocated and promoted per delivered message, per step — the
 * young generation's size and the number of scavenges change from run to run, bytes per message
 * much less.
 */
export interface GcFigures {
  /** Bytes allocated in the young generation between collections (V8's `allocated`). */
  allocatedBytes: number;
  /** Bytes scavenges moved to the old generation (V8's `promoted`). */
  promotedBytes: number;
  scavenges: number;
  scavengeMs: number;
  /** Mark-compacts (full collections), incremental or not. */
  markCompacts: number;
  markCompactMs: number;
}

/** `[<pid>:<isolate>]   <ms> ms: pause=<ms> mutator=<ms> gc=<kind> …`, as Node 20's V8 prints it. */
const GC_LINE = /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: pause=[\d.]+ mutator=[\d.]+ gc=(\w+) /;

export class GcTally {
  private figures: GcFigures = GcTally.empty();

  private static empty(): GcFigures {
    return { allocatedBytes: 0, promotedBytes: 0, scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 };
  }

  /** One line of the process's output; anything but a --trace-gc-nvp line is ignored. */
  feed(line: string): void {
    const kind = GC_LINE.exec(line)?.[1];
    if (!kind) return;
    const field = (name: string) => Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    this.figures.allocatedBytes += field('allocated');
    if (kind === 's') {
      this.figures.scavenges++;
      this.figures.scavengeMs += field('pause');
      this.figures.promotedBytes += field('promoted');
    } else if (kind === 'mc' || kind === 'mmc') {
      this.figures.markCompacts++;
      this.figures.markCompactMs += field('pause');
    }
  }

  /** What was fed since the last take. */
  take(): GcFigures {
    const taken = this.figures;
    this.figures = GcTally.empty();
    return taken;
  }
}
