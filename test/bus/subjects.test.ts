import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PREFIX,
  STAGES,
  SubjectError,
  assertToken,
  parseSubject,
  sessionWildcard,
  stageWildcard,
  subjectFor,
  type Stage,
} from '../../bus/subjects.js';
import { subjectMatches } from '../../bus/transport.js';

describe('subjectFor / parseSubject', () => {
  it('builds <prefix>.<sessionId>.<stage>.<event> and parses it back', () => {
    const parts = { prefix: 'va', sessionId: 'robot-1', stage: 'tts' as const, event: 'chunk' };
    const subject = subjectFor(parts);
    expect(subject).toBe('va.robot-1.tts.chunk');
    expect(parseSubject(subject)).toEqual(parts);
  });

  it('round-trips every stage', () => {
    for (const stage of STAGES) {
      const parts = { prefix: DEFAULT_PREFIX, sessionId: 'S_9', stage, event: 'x-y_z' };
      expect(parseSubject(subjectFor(parts))).toEqual(parts);
    }
  });

  it.each([
    ['prefix', { prefix: 'v.a', sessionId: 's1', stage: 'tts', event: 'chunk' }, /prefix "v\.a"/],
    ['sessionId with a dot', { prefix: 'va', sessionId: 's.1', stage: 'tts', event: 'chunk' }, /sessionId "s\.1"/],
    ['sessionId with a wildcard', { prefix: 'va', sessionId: '*', stage: 'tts', event: 'chunk' }, /sessionId "\*"/],
    ['sessionId with a space', { prefix: 'va', sessionId: 'a b', stage: 'tts', event: 'chunk' }, /sessionId "a b"/],
    ['empty sessionId', { prefix: 'va', sessionId: '', stage: 'tts', event: 'chunk' }, /sessionId ""/],
    [
      'too long sessionId',
      { prefix: 'va', sessionId: 'x'.repeat(65), stage: 'tts', event: 'chunk' },
      /sessionId "x{65}"/,
    ],
    ['event', { prefix: 'va', sessionId: 's1', stage: 'tts', event: 'chunk>' }, /event "chunk>"/],
    ['stage', { prefix: 'va', sessionId: 's1', stage: 'nope', event: 'chunk' }, /stage "nope" is unknown/],
  ])('rejects an invalid %s, naming the bad part', (_label, parts, message) => {
    expect(() => subjectFor(parts as { prefix: string; sessionId: string; stage: Stage; event: string })).toThrow(
      SubjectError,
    );
    expect(() => subjectFor(parts as { prefix: string; sessionId: string; stage: Stage; event: string })).toThrow(
      message,
    );
  });

  it.each([
    'va.s1.tts',
    'va.s1.tts.chunk.extra',
    'va.s1.nope.chunk',
    'va.*.tts.chunk',
    'va.s1.tts.>',
    'va..tts.chunk',
    '',
  ])('parseSubject returns undefined for %j', (subject) => {
    expect(parseSubject(subject)).toBeUndefined();
  });
});

describe('wildcards', () => {
  it('sessionWildcard covers every subject of one session and no other', () => {
    const pattern = sessionWildcard('va', 's1');
    expect(pattern).toBe('va.s1.>');
    expect(
      subjectMatches(pattern, subjectFor({ prefix: 'va', sessionId: 's1', stage: 'vad', event: 'speech_start' })),
    ).toBe(true);
    expect(
      subjectMatches(pattern, subjectFor({ prefix: 'va', sessionId: 's2', stage: 'vad', event: 'speech_start' })),
    ).toBe(false);
  });

  it('stageWildcard matches one stage event across sessions', () => {
    expect(stageWildcard('va', 'tts', 'request')).toBe('va.*.tts.request');
    expect(stageWildcard('va', 'tts', '*')).toBe('va.*.tts.*');
    expect(subjectMatches('va.*.tts.request', 'va.s7.tts.request')).toBe(true);
    expect(subjectMatches('va.*.tts.request', 'va.s7.llm.request')).toBe(false);
  });

  it('wildcard builders validate their tokens too', () => {
    expect(() => sessionWildcard('va', 'a.b')).toThrow(/sessionId "a\.b"/);
    expect(() => sessionWildcard('v a', 's1')).toThrow(/prefix "v a"/);
    expect(() => stageWildcard('va', 'tts', 'a.b')).toThrow(/event "a\.b"/);
  });

  it('assertToken explains the allowed characters', () => {
    expect(() => assertToken('sessionId', 'ü')).toThrow(/1-64 characters of A-Z, a-z, 0-9, "_" or "-"/);
    expect(() => assertToken('sessionId', 'ok_1-2')).not.toThrow();
  });
});
