/** The newest mtime (ms) of a file, or of a directory and everything under it; 0 if it does not exist. */
export function newestMtime(path: string): number;
/** True when `output` is missing or something under `inputs` is newer than everything under it. */
export function sourcesChanged(output: string, inputs: readonly string[]): boolean;
