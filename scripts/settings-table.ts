// Prints the configuration table for README.md from the one source of truth,
// src/server/config.ts: `npx tsx scripts/settings-table.ts`.
import { SETTINGS } from '../src/server/config.js';

console.log('| variable | default | meaning |');
console.log('| --- | --- | --- |');
for (const [name, setting] of Object.entries(SETTINGS)) {
  const fallback = 'default' in setting ? `\`${setting.default}\`` : '(unset)';
  console.log(`| \`${name}\` | ${fallback} | ${setting.help.replace(/\|/g, '\\|')} |`);
}
