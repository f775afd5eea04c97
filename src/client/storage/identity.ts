/**
 * The anonymous display name, `anonymous-<animal>-<5 chars>`, chosen on the
 * first visit and kept in localStorage; the person may edit it. It travels
 * only inside encrypted envelopes, never to the server in clear.
 */
import { readStored, writeStored } from './local-store.js';
import { normaliseDisplayName } from '../app/display-name.js';

const ANIMALS = [
  'otter', 'badger', 'heron', 'lynx', 'marten', 'puffin', 'gecko', 'ibis', 'koala', 'lemur',
  'newt', 'ocelot', 'panda', 'quokka', 'raven', 'stoat', 'tapir', 'vole', 'walrus', 'yak',
  'fox', 'owl', 'seal', 'wren', 'bison', 'crane', 'dingo', 'egret', 'ferret', 'hare',
] as const;
const SUFFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

function randomIndex(size: number): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! % size;
}

function randomDisplayName(): string {
  const animal = ANIMALS[randomIndex(ANIMALS.length)]!;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[randomIndex(SUFFIX_ALPHABET.length)];
  return `anonymous-${animal}-${suffix}`;
}

export function loadDisplayName(): string {
  const stored = readStored('display-name');
  if (typeof stored === 'string') {
    const name = normaliseDisplayName(stored);
    if (name) return name;
  }
  const fresh = randomDisplayName();
  writeStored('display-name', fresh);
  return fresh;
}

export function saveDisplayName(name: string): void {
  writeStored('display-name', name);
}
