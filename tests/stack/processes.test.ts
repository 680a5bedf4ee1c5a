import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOf, waitUntilGone } from '../../local-stack/processes.ts';

describe('process detection (portable: ps, no /proc, so status and stop work on macOS too)', () => {
  it('tells a live process by its command line, and a gone one by nothing', async () => {
    expect(await commandOf(process.pid)).toContain('node');
    const child = spawn('sleep', ['30']);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      expect(await commandOf(child.pid!)).toMatch(/sleep 30/);
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    await waitUntilGone(child.pid!, 5_000);
    expect(await commandOf(child.pid!)).toBeUndefined();
    expect(await commandOf(2 ** 22 + 12345)).toBeUndefined();
  });

  it('leaves /proc to Linux-only tools: the stack never reads it', () => {
    const folder = path.resolve(import.meta.dirname, '../../local-stack');
    const sources = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const readers = sources.filter((file) => /['"`]\/proc\//.test(readFileSync(path.join(folder, file), 'utf8')));
    expect(readers).toEqual([]);
  });
});
