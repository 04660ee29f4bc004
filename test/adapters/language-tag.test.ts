import { describe, expect, it } from 'vitest';
import { languageTag } from '../../adapters/stt/language-tag.js';

describe('language tags from transcription servers', () => {
  it('maps Whisper language names and keeps codes', () => {
    expect(languageTag('english')).toBe('en');
    expect(languageTag('Chinese')).toBe('zh');
    expect(languageTag('zh')).toBe('zh');
    expect(languageTag('pt_BR')).toBe('pt-br');
  });

  it('gives nothing for what it cannot read', () => {
    expect(languageTag(undefined)).toBeUndefined();
    expect(languageTag('')).toBeUndefined();
    expect(languageTag('klingon')).toBeUndefined();
  });
});
