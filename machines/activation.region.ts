/**
 * The activation region of the session chart, parallel to the dialog and the actions
 * (`session.activation`, docs/activation.md): when microphone audio may open a user turn.
 *
 * - `ungated` (mode `always`): nothing is gated;
 * - `closed` (`wake`, `push`): the VAD opens no utterance; `control.listen {open: true}` (a wake phrase the
 *   VAD actor's spotter heard, a client's button) opens;
 * - `open.window` (`wake`): closes after `activationWindow` (`windowMs`) with no one talking; `open.held`
 *   while the user speaks (as the VAD hears it) or the agent's audio plays, and the window starts again
 *   when both have stopped;
 * - `open.pressed` (`push`): until `control.listen {open: false}`, or `pushMaxOpen` (60 s) by itself.
 *
 * `control.listen {open: false}` closes at once in both modes. The chart tells the VAD actor the gate with
 * `vad.gate` (on opening and on closing), and announces a close it made by itself with `control.listen`.
 * Manual turns (`audio.commit`) and the emergency stop are never gated: neither passes through here.
 */
// The region takes the VAD's and playback's reports at its own level: the machine root handles none of
// them (a root transition runs only for events no region takes).
import { not, sessionSetup } from './session.setup.js';

const CLOSED = '#session.activation.closed';

export const activationRegion = sessionSetup.createStateConfig({
  initial: 'routing',
  on: {
    'vad.speech_start': { actions: 'noteVoice' },
    'vad.speech_end': { actions: 'noteVoice' },
    'playback.started': { actions: 'noteVoice' },
    'playback.finished': { actions: 'noteVoice' },
    'playback.stopped': { actions: 'noteVoice' },
    'control.end': { target: '.ended' },
  },
  states: {
    routing: { always: [{ guard: 'activationIsGated', target: 'closed' }, { target: 'ungated' }] },
    /** Mode `always`: every utterance the VAD finds is the user's turn. */
    ungated: {},
    closed: {
      on: { 'control.listen': { guard: 'listenOpens', target: 'open' } },
    },
    open: {
      entry: 'tellGateOpen',
      exit: 'tellGateClosed',
      initial: 'routing',
      states: {
        routing: { always: [{ guard: 'isPushToTalk', target: 'pressed' }, { target: 'window' }] },
        /** `wake`: no one talks; listening closes when the window runs out. Opening again restarts it. */
        window: {
          always: { guard: 'someoneTalks', target: 'held' },
          after: { activationWindow: { target: CLOSED, actions: 'announceListenClosed' } },
          on: { 'control.listen': { guard: 'listenOpens', target: 'window', reenter: true } },
        },
        /** `wake`: the user or the agent is talking; the window starts again when both have stopped. */
        held: { always: { guard: not('someoneTalks'), target: 'window' } },
        /** `push`: the key is held; the user's silence does not end the utterance. */
        pressed: {
          after: { pushMaxOpen: { target: CLOSED, actions: 'announceListenClosed' } },
          on: { 'control.listen': { guard: 'listenOpens', target: 'pressed', reenter: true } },
        },
      },
      on: { 'control.listen': { guard: 'listenCloses', target: 'closed' } },
    },
    ended: { type: 'final' },
  },
});
