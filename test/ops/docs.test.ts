/** Documentation that must not drift from the code: every setting in the README, every code in the protocol doc. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/server/config.js';
import { CLOSE_CODES, ERROR_CODES } from '../../src/shared/errors.js';

const readme = readFileSync('README.md', 'utf8');
const protocol = readFileSync('docs/protocol.md', 'utf8');

describe('documentation matches the code', () => {
  it.each(Object.entries(SETTINGS))('README documents %s with its default', (name, setting) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row, `README row for ${name}`).toBeDefined();
    if ('default' in setting) expect(row).toContain(`\`${setting.default}\``);
  });

  it.each(Object.entries(ERROR_CODES))('docs/protocol.md lists error code %s with HTTP %i', (code, status) => {
    expect(protocol).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it.each(Object.entries(CLOSE_CODES))('docs/protocol.md lists close code %s (%i)', (_name, code) => {
    expect(protocol).toContain(`| \`${code}\` |`);
  });
});
