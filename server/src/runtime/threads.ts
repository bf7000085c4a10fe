import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/**
 * Physical CPU cores (not hyper-threads), the default for ONNX Runtime's intra-op threads: a UNet step
 * is memory-bound enough that a second thread per core adds contention, not speed. ONNX Runtime picks
 * this itself on most machines, but on some VMs (this project's 2-core CI VM among them) its detection
 * gave one thread, making a UNet step 1.8× slower. Null when it cannot be told: ONNX Runtime then decides.
 */
export function physicalCores(): number | null {
  try {
    if (process.platform === 'linux') {
      const cores = new Set<string>();
      let physical = '0';
      for (const line of fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
        const [key, value] = line.split(':').map((s) => s.trim());
        if (key === 'physical id') physical = value;
        if (key === 'core id') cores.add(`${physical}/${value}`);
      }
      // ARM kernels list no core ids: every listed processor is a core there.
      return cores.size > 0 ? cores.size : os.availableParallelism();
    }
    if (process.platform === 'darwin') {
      const n = Number(execFileSync('sysctl', ['-n', 'hw.physicalcpu'], { encoding: 'utf8', timeout: 2000 }).trim());
      return Number.isInteger(n) && n > 0 ? n : null;
    }
  } catch {
    // unreadable: leave the choice to ONNX Runtime
  }
  return null;
}

/**
 * Whether ONNX Runtime's intra-op threads spin while they wait for the next op (its `allow_spinning`,
 * on by default): a little less latency per op on a machine of its own, CPU taken from everything else on
 * a busy one (Photoshop; or the test suite, whose engine tests used 22 % less CPU with it off on a loaded
 * 2-core machine). INSANERES_ORT_SPINNING=0 turns it off; jest's global setup does so for the tests.
 */
export function threadSpinning(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.INSANERES_ORT_SPINNING !== '0';
}

/** The intra-op thread count to ask for: the user's, else the physical cores, else ONNX Runtime's choice (0). */
export function resolveThreads(requested: number | undefined): number {
  if (requested !== undefined && requested > 0) return requested;
  return physicalCores() ?? 0;
}
