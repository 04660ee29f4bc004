/**
 * The invariants every live-session test checks after each step: no child of a finished turn alive, no
 * frame of a cancelled turn after its cancel, the history holding what was played and nothing played
 * missing from it, and nothing undeclared or invalid leaving the agent as an action.
 */
import { checkCall } from '../../adapters/actions/catalog.js';
import type { ControlledLlm } from '../../adapters/llm/testing/controlled-llm.js';
import type { ControlledTtsRequest } from '../../adapters/tts/testing/controlled-tts.js';
import type { BusMessage, MessageOf } from '../../bus/messages.js';
import { capPlayed, heardText } from '../../machines/history.js';
import { joinText } from '../../machines/resume.js';
import type { SessionContext } from '../../machines/context.js';
import type { SessionHandle } from '../../runtime/session-host.js';
import type { SinkLedger } from './live-session.js';

const FRAME_MS = 20;
type PlaybackReport = MessageOf<'playback.stopped'> | MessageOf<'playback.finished'>;

/** The three invariants, checked after every step; throws with a readable reason. */
export interface InvariantView {
  session: SessionHandle;
  device: { bufferedMs(): number };
  ledger: SinkLedger;
  reports: Map<string, PlaybackReport>;
  messages: BusMessage[];
  llm: ControlledLlm;
  activeTts(): ControlledTtsRequest[];
  context(): SessionContext;
  state(): string;
}

export function checkInvariants(h: InvariantView): void {
  const snapshot = h.session.actor.getSnapshot();
  const state = h.state();
  const inReply = state.startsWith('processing') || state.startsWith('speaking');
  const ctx = h.context();
  // A guessed reply (adaptive end of turn) runs while the user may still be talking, silent until committed.
  const guess =
    ctx.speculation !== null && !ctx.speculation.committed && state.startsWith('listening')
      ? ctx.speculation.turnId
      : null;
  // 1. No child actor of a finished or cancelled turn is alive.
  for (const id of ['llm', 'tts', 'playback'] as const) {
    const child = (snapshot.children as Record<string, { getSnapshot(): { input?: { turnId?: string } } } | undefined>)[
      id
    ];
    if (!child) continue;
    const turnId = child.getSnapshot().input?.turnId;
    if (guess !== null && turnId === guess) continue;
    if (!inReply) throw new Error(`invariant: child ${id} alive in ${state}`);
    if (turnId !== ctx.replyTurnId)
      throw new Error(`invariant: child ${id} of turn ${turnId} alive during reply ${ctx.replyTurnId}`);
  }
  if (!inReply && guess === null && h.llm.active()) throw new Error(`invariant: LLM still generating in ${state}`);
  if (!inReply && guess === null && h.activeTts().length > 0)
    throw new Error(`invariant: TTS still synthesizing in ${state}`);
  // A guess is never heard before it is committed, and a discarded one never.
  if (guess !== null && (h.ledger.written.get(guess) ?? 0) > 0)
    throw new Error(`invariant: guessed reply ${guess} heard before it was committed`);
  for (const m of h.messages) {
    if (
      m.type === 'session.notice' &&
      m.code === 'speculation_discarded' &&
      (h.ledger.written.get(m.turnId) ?? 0) > 0
    ) {
      throw new Error(`invariant: discarded guess ${m.turnId} was heard`);
    }
  }
  // 4. Nothing undeclared or invalid leaves the agent: every action asked for passes the catalog's check.
  const catalog = { declared: ctx.config.declaredActions, clientTools: ctx.clientTools };
  for (const m of h.messages) {
    if (m.type !== 'action.request') continue;
    const check = checkCall(catalog, { name: m.name, arguments: JSON.stringify(m.arguments) });
    if (!check.ok) throw new Error(`invariant: ${m.actionId} ${m.name} left the agent but ${check.detail}`);
  }
  // 2. No audio frame of a cancelled turn after its cancel ...
  if (h.ledger.framesAfterCancel.length > 0)
    throw new Error(`invariant: frame of cancelled turn ${h.ledger.framesAfterCancel[0]} after its cancel`);
  // ... and outside a reply the device is silent: a cancel cleared what it had buffered.
  if (!inReply && h.device.bufferedMs() > 0)
    throw new Error(`invariant: device still playing ${h.device.bufferedMs()} ms in ${state}`);
  // 3. History holds what was played: every playback report agrees with the sink, and the text with the report.
  const reports = h.reports;
  for (const [turnId, report] of reports) {
    const playedFrames = (h.ledger.written.get(turnId) ?? 0) - (h.ledger.dropped.get(turnId) ?? 0);
    const reportedMs = report.segments.reduce((sum, s) => sum + s.playedMs, 0);
    // Reported ms count real audio; frames may carry up to one frame of padding per segment.
    if (
      reportedMs > playedFrames * FRAME_MS + 1e-6 ||
      reportedMs < playedFrames * FRAME_MS - report.segments.length * FRAME_MS - 1e-6
    ) {
      throw new Error(
        `invariant: ${turnId} reported ${reportedMs} ms played but the sink played ${playedFrames * FRAME_MS} ms`,
      );
    }
    if (report.type === 'playback.finished' && report.segments.some((s) => !s.complete || s.playedMs < s.durationMs)) {
      throw new Error(`invariant: ${turnId} finished with a segment not played to its end`);
    }
  }
  for (const entry of ctx.history) {
    if (entry.role !== 'assistant' || entry.pending) continue;
    const report = reports.get(entry.turnId);
    if (!report) throw new Error(`invariant: assistant entry for ${entry.turnId} without a playback report`);
    // A resumed reply's entry starts with what was heard in full of the reply it resumes.
    const prefix = resumedPrefix(h, entry.turnId);
    // A client's truncate (it heard only audioEndMs of the reply) can only shorten what the report says.
    const truncations = h.messages.filter(
      (m): m is MessageOf<'control.truncate'> => m.type === 'control.truncate' && m.turnId === entry.turnId,
    );
    const heard = joinText(prefix, heardText(report.segments));
    const expected = truncations
      .map((t) => joinText(prefix, heardText(capPlayed(report.segments, t.audioEndMs))))
      .reduce((a, b) => (b.length < a.length ? b : a), heard);
    if (entry.text !== expected)
      throw new Error(`invariant: history "${entry.text}" but the report (and truncates) say "${expected}" was heard`);
    const interrupted = report.type === 'playback.stopped' || expected.length < heard.length;
    if (entry.interrupted !== interrupted)
      throw new Error(`invariant: ${entry.turnId} interrupted flag disagrees with its report`);
  }
  checkNothingHeardForgotten(h, ctx);
}

/**
 * 5. Nothing heard is forgotten: a reply of which words were played has its assistant entry (pending until
 * the chart reads the report), unless it went on as a resumed reply (whose entry starts with those words),
 * a client's truncate cut it to nothing, or the history limit dropped it. A cut that forgets to leave its
 * placeholder (a barge-in without `cancelReply`: the children still stop as `listening` begins) fails here.
 */
function checkNothingHeardForgotten(h: InvariantView, ctx: SessionContext): void {
  if (ctx.history.length >= ctx.config.historyLimit) return;
  for (const [turnId, report] of h.reports) {
    if (!heardText(report.segments)) continue;
    if (ctx.history.some((e) => e.role === 'assistant' && e.turnId === turnId)) continue;
    const carriedOn = h.messages.some(
      (m) =>
        (m.type === 'session.notice' && m.code === 'reply_resumed' && resumedTurnOf(m) === turnId) ||
        (m.type === 'control.truncate' && m.turnId === turnId),
    );
    if (!carriedOn)
      throw new Error(`invariant: "${heardText(report.segments)}" of ${turnId} was heard but is not in the history`);
  }
}

/**
 * What was heard in full before a resumed reply (`r<n>`), from the sink's own reports: the leading
 * segments of the reply it resumes (named by its `reply_resumed` notice) that were played to their end,
 * after that reply's own prefix. '' for a reply that is not a resume.
 */
function resumedPrefix(h: InvariantView, turnId: string): string {
  const notice = h.messages.find(
    (m): m is MessageOf<'session.notice'> =>
      m.type === 'session.notice' && m.code === 'reply_resumed' && m.turnId === turnId,
  );
  if (!notice) return '';
  const resumed = resumedTurnOf(notice);
  const report = h.reports.get(resumed);
  if (!report) throw new Error(`invariant: ${turnId} resumes ${resumed}, which has no playback report`);
  const heard: string[] = [];
  for (const s of [...report.segments].sort((a, b) => a.segmentIndex - b.segmentIndex)) {
    if (s.kind === 'filler') continue;
    if (!s.complete || s.playedMs < s.durationMs) break;
    heard.push(s.text);
  }
  return joinText(resumedPrefix(h, resumed), heard.join(' '));
}

/** The reply a `reply_resumed` notice goes on from ('' for any other notice). */
function resumedTurnOf(notice: MessageOf<'session.notice'>): string {
  return notice.code === 'reply_resumed' ? notice.resumes : '';
}
