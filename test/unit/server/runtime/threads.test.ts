import * as fs from 'fs';
import * as os from 'os';
import { parseThreads } from '../../../../server/src/cli/generation-flags';
import { UsageError } from '../../../../server/src/cli/args';
import { physicalCores, resolveThreads } from '../../../../server/src/runtime/threads';

describe('intra-op threads', () => {
  it('defaults to the physical cores: never more than the logical CPUs, at least one', () => {
    const cores = physicalCores();
    if (process.platform === 'linux' || process.platform === 'darwin') expect(cores).not.toBeNull();
    if (cores !== null) {
      expect(cores).toBeGreaterThanOrEqual(1);
      expect(cores).toBeLessThanOrEqual(os.availableParallelism());
    }
    expect(resolveThreads(undefined)).toBe(cores ?? 0);
    expect(resolveThreads(3)).toBe(3);
  });

  it('counts distinct (package, core) pairs on Linux, not hyper-threads', () => {
    if (process.platform !== 'linux') {
      console.log('skipping: /proc/cpuinfo is Linux-only');
      return;
    }
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const siblings = Number(/siblings\s*:\s*(\d+)/.exec(text)?.[1] ?? 0);
    const perPackage = Number(/cpu cores\s*:\s*(\d+)/.exec(text)?.[1] ?? 0);
    const packages = new Set(Array.from(text.matchAll(/physical id\s*:\s*(\d+)/g), (m) => m[1])).size;
    if (!siblings || !perPackage) {
      console.log('skipping: this kernel lists no core topology');
      return;
    }
    expect(physicalCores()).toBe(perPackage * packages);
  });

  it('--threads takes a whole number from 1', () => {
    expect(parseThreads(undefined)).toBeUndefined();
    expect(parseThreads('4')).toBe(4);
    for (const bad of ['0', '-1', '2.5', 'many', '']) expect(() => parseThreads(bad)).toThrow(UsageError);
  });
});
