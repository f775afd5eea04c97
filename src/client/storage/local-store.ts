/**
 * localStorage access that never throws: storage can be disabled or full
 * (private windows, quotas), and Hush should keep working for this tab
 * rather than crash. Values are JSON, validated by the caller.
 */
const PREFIX = 'hush:';

export function readStored(name: string): unknown {
  try {
    const text = localStorage.getItem(PREFIX + name);
    return text === null ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export function writeStored(name: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch {
    // Storage unavailable: the value lives only as long as this page.
  }
}
