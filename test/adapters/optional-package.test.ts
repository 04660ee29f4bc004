import { describe, expect, it } from 'vitest';
import {
  importOptional,
  isPackageNotFound,
  MissingPackageError,
  requireOptional,
  requirePackage,
  resolveOptional,
} from '../../adapters/optional-package.js';

const ABSENT = 'voice-agent-absent-package-for-tests';

describe('optional packages', () => {
  it('an absent package imports as undefined and fails only when used, naming the install command', async () => {
    const loaded = await importOptional(() => import(ABSENT), ABSENT);
    expect(loaded).toBeUndefined();
    expect(() => requirePackage(loaded, ABSENT, '`tts.engine: edge`')).toThrow(
      new MissingPackageError(ABSENT, '`tts.engine: edge`'),
    );
    expect(() => requirePackage(loaded, ABSENT, '`tts.engine: edge`')).toThrow(
      `\`tts.engine: edge\` needs the npm package \`${ABSENT}\`, which is not installed: run \`npm install ${ABSENT}\``,
    );
  });

  it('require and resolve of an absent CommonJS package say the same', () => {
    expect(() => requireOptional(ABSENT, '`stt.engine: sherpa`')).toThrow(MissingPackageError);
    expect(() => resolveOptional(ABSENT, '`stt.engine: sherpa`')).toThrow(/`stt.engine: sherpa` needs the npm package/);
  });

  it('an installed package loads; a failure that is not "not found" is not hidden', async () => {
    expect(await importOptional(() => import('zod'), 'zod')).toHaveProperty('z');
    await expect(importOptional(() => Promise.reject(new Error('a broken install')), 'zod')).rejects.toThrow(
      'a broken install',
    );
    const notFoundOfOther = Object.assign(new Error("Cannot find package 'left-pad' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(isPackageNotFound(notFoundOfOther, 'zod')).toBe(false);
    expect(isPackageNotFound(notFoundOfOther, 'left-pad')).toBe(true);
  });
});
