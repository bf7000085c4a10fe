import { COMMAND_USAGE } from '../../../../server/src/cli/usage';
import { GENERATION_FLAGS } from '../../../../server/src/cli/generation-flags';
import { INPAINT_FLAGS } from '../../../../server/src/cli/inpaint-flags';
import { UPSCALE_FLAGS } from '../../../../server/src/cli/upscale-command';
import { main } from '../../../../server/src/cli';

/** The `--flag` names a synopsis mentions. */
function flagsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]))].sort();
}

describe('insaneres COMMAND --help', () => {
  it.each([
    ['img2img', { ...GENERATION_FLAGS, ...INPAINT_FLAGS }],
    ['upscale', UPSCALE_FLAGS],
  ])('%s lists exactly the flags its parser accepts', (command, accepted) => {
    expect(flagsIn(COMMAND_USAGE[command])).toEqual(Object.keys(accepted).sort());
  });

  it.each(['img2img', 'upscale', 'make-tiny-model'])('%s --help prints the synopsis and exits 0, running nothing', async (command) => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      // --model is missing: without the help check this would exit 2.
      expect(await main([command, '--help'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out.join('')).toContain(`insaneres ${command}`);
  });
});
