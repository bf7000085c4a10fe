/** `npm run bench`: every benchmark, figures printed; exit 1 when a target is missed. */
import { engineBench } from './engine-bench';
import { serverBench } from './server-bench';
import { studioBench } from './studio-bench';
import { upscaleBench } from './upscale-bench';

async function main(): Promise<number> {
  const only = process.argv[2];
  let ok = true;
  if (!only || only === 'engine') {
    const r = await engineBench();
    ok = ok && r.outsideRunShare <= 0.05 && r.codecRatio <= 2 && r.unetStepMs >= 100;
  }
  if (!only || only === 'upscale') {
    const r = await upscaleBench();
    ok = ok && r.linear && r.memoryOk;
  }
  if (!only || only === 'server') {
    const r = await serverBench();
    ok = ok && r.ok;
  }
  if (!only || only === 'studio') {
    const r = await studioBench();
    ok = ok && r.ok;
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
