/**
 * CI smoke test of the benchmark (issue 6): `npm run bench -- --smoke` runs
 * every scenario at tiny sizes against the relay and Hush in memory mode (and
 * the Socket.IO reference in the message-path scenarios) and writes one JSON
 * result line. It asserts only that the benchmark works and
 * produced a result — never a speed, which CI machines cannot promise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'hush-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchmark smoke (issue 6: npm run bench works)', () => {
  it('runs every scenario at tiny sizes and writes a result line and a Markdown table', () => {
    const out = join(dir, 'results.jsonl');
    const run = spawnSync('npm', ['run', '--silent', 'bench', '--', '--smoke', '--targets', 'relay,memory,socketio', '--out', out], {
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect(run.status, `bench exited with ${run.status}:\n${run.stderr.slice(-3000)}`).toBe(0);

    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(report.kind).toBe('hush-bench');
    // The Socket.IO reference runs where messages flow (ramp, cpu), not in idle and storm.
    for (const [scenario, targets] of [['ramp', ['relay', 'memory', 'socketio']], ['idle', ['relay', 'memory']], ['storm', ['relay', 'memory']]] as const) {
      const outcomes = report[scenario] as Array<{ target: string; result?: unknown; skipped?: string }>;
      expect(outcomes.map((outcome) => outcome.target)).toEqual(targets);
      for (const outcome of outcomes) expect(outcome.skipped, `${scenario} ${outcome.target}`).toBeUndefined();
    }
    expect(report.ramp[1].result.sustainable.received).toBeGreaterThan(0);
    // The ramps ran at once, one step of each in turn: memory's first step came before the relay's second.
    expect(report.options.rampOrder).toBe('interleaved');
    const memoryFirstStep = run.stderr.indexOf('memory  step 1 ');
    expect(memoryFirstStep).toBeGreaterThan(-1);
    expect(memoryFirstStep).toBeLessThan(run.stderr.indexOf('relay   step 2 '));
    // Its deliveries and acks were read through the generator's Socket.IO dialect.
    expect(report.ramp[2].result.sustainable.received).toBeGreaterThan(0);
    expect(report.cpu.result.targets.map((figures: { target: string }) => figures.target)).toEqual(['relay', 'memory', 'socketio']);
    // Hush's collector is read (bytes per message) where its tiny rounds saw enough collections; the reference servers' never.
    const [relayCpu, memoryCpu, socketioCpu] = report.cpu.result.targets;
    expect(memoryCpu).toHaveProperty('allocatedBytesPerMsg');
    if (memoryCpu.allocatedBytesPerMsg !== null) expect(memoryCpu.allocatedBytesPerMsg).toBeGreaterThan(0);
    expect(relayCpu.allocatedBytesPerMsg).toBeNull();
    expect(socketioCpu.allocatedBytesPerMsg).toBeNull();
    const markdown = readFileSync(join(dir, 'latest.md'), 'utf8');
    expect(markdown).toContain('| Hush, memory |');
    expect(markdown).toMatch(/\| Hush, memory \| Socket\.IO chat \(reference\) \| \d/);
    expect(run.stdout).toContain('### Ramp');
  }, 180_000);
  it('ramps one target after another with --ramp-order sequential', () => {
    const run = spawnSync('npm', ['run', '--silent', 'bench', '--', '--smoke', '--scenario', 'ramp', '--targets', 'relay,memory', '--ramp-order', 'sequential', '--no-save'], {
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect(run.status, `bench exited with ${run.status}:\n${run.stderr.slice(-3000)}`).toBe(0);
    expect(run.stdout).toContain('one target ramped after another');
    expect(run.stdout).toContain('| Hush, memory |');
    // The relay's whole ramp, its half-rate step included, came before memory's first step.
    const relayHalf = run.stderr.indexOf('relay   half ');
    expect(relayHalf).toBeGreaterThan(-1);
    expect(relayHalf).toBeLessThan(run.stderr.indexOf('memory  step 1 '));
  }, 120_000);
});
