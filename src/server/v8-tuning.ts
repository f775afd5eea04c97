/**
 * V8 settings of the server process, applied by main.ts's first import, before anything else
 * loads and before the heap's first marking cycle.
 *
 * No concurrent marking: V8 then marks the old generation in small steps on the main thread instead
 * of on helper threads. With memory mode's histories full (500 rooms × 500 messages), V8 with
 * helper threads settled into promoting about 1 MB of young objects at every scavenge and
 * mark-compacting about once a second, and the p99 latency tracked those cycles; without them
 * (bench/steady.ts, memory mode against itself in the same minutes, docs/benchmarks.md item 23)
 * the p99 at 14,000 msgs/s fell from 9.8–25.8 ms to 2.5–4.4 ms and at 22,000 from a median of
 * 25.4 to 11.5 ms, at the same CPU per message. A chat server is one busy thread on a small
 * machine, where helper threads compete with it for the same cores.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-concurrent-marking');
