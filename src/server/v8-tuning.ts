/**
 * V8 settings of the server process, applied by main.ts's first import, before anything else
 * loads and before the heap's first marking cycle.
 *
 * No concurrent marking: V8 then marks the old generation in small steps on the main thread instead
 * of on helper threads. With memory mode's histories full, V8 with helper threads settled into
 * promoting young objects at every scavenge and mark-compacting about once a second, and the p99
 * latency tracked those cycles; without them it fell several-fold at the same CPU per message
 * (docs/benchmarks.md, item 23, has the figures). A chat server is one busy thread on a small
 * machine, where helper threads compete with it for the same cores.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-concurrent-marking');
