import { idKey } from '../../src/server/store/memory/sent-ids.js';

/** Two different message ids with the same 30-bit key (idKey), found by a birthday search: about 40,000 tries. */
export function collidingIds(): [string, string] {
  const seen = new Map<number, string>();
  for (let n = 0; ; n++) {
    const id = `id-${n}`;
    const other = seen.get(idKey(id));
    if (other !== undefined) return [other, id];
    seen.set(idKey(id), id);
  }
}
