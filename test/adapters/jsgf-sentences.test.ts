import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JsgfError, jsgfSentences } from '../../adapters/stt/jsgf-sentences.js';

describe('JSGF sentences', () => {
  it('lists every sentence of groups, alternatives, optional parts and rule references, once', () => {
    const grammar = `#JSGF V1.0; grammar g; /* a comment */
      public <c> = turn ( Left | right ) [ now ] | stop | <place>;
      <place> = go to the ( door | door ) {tag} /2/ ; // duplicates count once`;
    expect(jsgfSentences(grammar)).toEqual([
      'turn left',
      'turn left now',
      'turn right',
      'turn right now',
      'stop',
      'go to the door',
    ]);
  });

  it('expands the robot grammar into its 59 commands', () => {
    const sentences = jsgfSentences(readFileSync('examples/robot-commands.jsgf', 'utf8'));
    expect(sentences).toHaveLength(59);
    expect(sentences).toContain('go backward one meter');
    expect(sentences).toContain('move forward ten meters');
    expect(sentences).not.toContain('move forward one meters');
    expect(sentences).toEqual(
      expect.arrayContaining(['stop', 'halt', 'emergency stop', 'yes', 'no', 'yeah', 'okay', 'go to the table']),
    );
  });

  it('refuses what cannot be listed, saying why', () => {
    expect(() => jsgfSentences('grammar g; public <c> = go <c>;')).toThrow(/refers to itself/);
    expect(() => jsgfSentences('grammar g; public <c> = go+;')).toThrow(/repeats/);
    expect(() => jsgfSentences('grammar g; <c> = go;')).toThrow(/no public rule/);
    expect(() => jsgfSentences('grammar g; public <c> = <nope>;')).toThrow(JsgfError);
    expect(() => jsgfSentences('grammar g; public <c> = ( go;')).toThrow(/without its/);
  });
});
