/**
 * The activation region's share of the test model (`session.activation` `wake` and `push`): the walks run
 * the dialog's main stimuli with the gate in the way — speech only while it is open, a wake phrase or a
 * client's key opening it, the release closing it (ending an utterance in progress), the emergency stop —
 * and let the gate's own timers run out. Every dialog timer is far beyond the gate's (the push bound is
 * 60 s), so the timer that fires next is always the one the model expects.
 */
import type { SessionConfigInput } from '../../machines/config.js';
import { ALL_STIMULI, DIALOG_SUBSET } from './action-stimuli.js';
import { stateOf, type StimulusSet } from './stimuli.js';

const QUIET_DIALOG: SessionConfigInput = {
  timeouts: {
    noInputMs: 100_000,
    sttFinalMs: 101_000,
    llmFirstTokenMs: 102_000,
    llmGiveUpMs: 103_000,
    ttsFirstChunkMs: 104_000,
  },
  bargeIn: { minSpeechMs: 0, falseInterruptionMs: 105_000 },
  turn: { completePauseMs: 0, speculate: 'off' },
};
export const WAKE_CONFIG: SessionConfigInput = { ...QUIET_DIALOG, activation: { mode: 'wake', windowMs: 5000 } };
export const PUSH_CONFIG: SessionConfigInput = { ...QUIET_DIALOG, activation: { mode: 'push' } };

const SUBSET = [...DIALOG_SUBSET, 'listen:open', 'listen:close', 'estop'];

export const ACTIVATION_STIMULI: StimulusSet = {
  stimuli: ALL_STIMULI.stimuli.filter((s) => SUBSET.includes(s.id)),
  delays: ['minVoice', 'minInterruption', 'activationWindow', 'pushMaxOpen'],
  // The gate's timers run out only while no audio plays: playback would end first in the live session.
  delayAllowed: (name, s) => name === 'minVoice' || name === 'minInterruption' || /^(idle|listening)/.test(stateOf(s)),
};
