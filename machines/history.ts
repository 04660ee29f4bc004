/**
 * What the user heard, computed from the playback report. Pure, so the chart's assign actions and the
 * tests use the same rule.
 */
import type { HeardSegment } from '../bus/messages.js';
import type { ChatMessage } from '../adapters/llm/types.js';
import type { HistoryEntry } from './events.js';

/**
 * Text of the segments whose audio was played: whole segments when played to the end, and for the
 * segment cut mid-way the words whose share of its audio was fully played
 * (`floor(words * playedMs / durationMs)`). Fillers are left out: they are not part of the answer.
 *
 * @example
 * ```ts
 * heardText([
 *   { segmentIndex: 0, kind: 'reply', text: 'one two three four', playedMs: 500, durationMs: 800, complete: true },
 * ]);
 * // 'one two'
 * ```
 */
export function heardText(segments: readonly HeardSegment[]): string {
  const parts: string[] = [];
  for (const s of [...segments].sort((a, b) => a.segmentIndex - b.segmentIndex)) {
    if (s.kind === 'filler' || s.playedMs <= 0) continue;
    if (s.complete && s.playedMs >= s.durationMs) {
      parts.push(s.text);
      continue;
    }
    const words = splitWords(s.text);
    const share = s.durationMs > 0 ? Math.min(1, s.playedMs / s.durationMs) : 0;
    // A segment still being synthesized has an unknown total: its received audio is a lower bound,
    // so the share can only overstate; cap it to the words the received audio could cover.
    const count = Math.floor(words.length * share + 1e-9);
    if (count > 0) parts.push(joinWords(words.slice(0, count), s.text));
  }
  return parts.join(' ').trim();
}

/**
 * Each segment's played audio, cut so that all of them together stay within `audioEndMs` of play
 * (segments in play order): what a client that flushed its own buffer at `audioEndMs` really heard.
 *
 * @example
 * ```ts
 * const played = [{ segmentIndex: 0, kind: 'reply', text: 'one two', playedMs: 800, durationMs: 800, complete: true }];
 * heardText(capPlayed(played, 400));
 * // 'one'
 * ```
 */
export function capPlayed(segments: readonly HeardSegment[], audioEndMs: number): HeardSegment[] {
  let left = audioEndMs;
  return [...segments]
    .sort((a, b) => a.segmentIndex - b.segmentIndex)
    .map((s) => {
      const playedMs = Math.max(0, Math.min(s.playedMs, left));
      left -= s.playedMs;
      return { ...s, playedMs };
    });
}

const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/u;

/** Words for Latin text; single characters for CJK, where each character is a syllable of speech. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  for (const token of text.trim().split(/\s+/)) {
    if (!token) continue;
    if (CJK.test(token)) out.push(...Array.from(token));
    else out.push(token);
  }
  return out;
}

function joinWords(words: string[], original: string): string {
  return CJK.test(original) && !/\s/.test(original.trim()) ? words.join('') : words.join(' ');
}

/**
 * `history` with `entry` appended, holding at most `limit` entries: the oldest resolved entries are
 * forgotten first. A pending entry (a cut reply waiting for its playback report) is never dropped, so
 * the report always finds it.
 *
 * @example
 * ```ts
 * const a = { role: 'user', turnId: 't1', text: 'hi', interrupted: false, pending: false } as const;
 * appendHistory([a, { ...a, turnId: 't2' }], { ...a, turnId: 't3' }, 2).map((h) => h.turnId);
 * // ['t2', 't3']
 * ```
 */
/**
 * What the user said, as a history entry; `replyTurnId`: the reply's turn id when it differs from the
 * utterance's (a resumed or speculated reply).
 *
 * @example
 * ```ts
 * userEntry('u1', 'turn left');
 * // { role: 'user', turnId: 'u1', text: 'turn left', interrupted: false, pending: false }
 * ```
 */
export function userEntry(turnId: string, text: string, replyTurnId?: string): HistoryEntry {
  return {
    role: 'user',
    turnId,
    text,
    interrupted: false,
    pending: false,
    ...(replyTurnId !== undefined && replyTurnId !== turnId ? { replyTurnId } : {}),
  };
}

export function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry, limit: number): HistoryEntry[] {
  const next = [...history, entry];
  let excess = next.length - limit;
  if (excess <= 0) return next;
  return next.filter((h) => h.pending || excess-- <= 0);
}

/** The chat messages an LLM sees: resolved, non-empty history, newest `turns` turns. */
export function toChatMessages(systemPrompt: string, history: readonly HistoryEntry[], turns: number): ChatMessage[] {
  const visible = history.filter((h) => !h.pending && h.text.length > 0);
  const recent = visible.slice(-turns * 2);
  return [{ role: 'system', content: systemPrompt }, ...recent.flatMap(chatMessagesOf)];
}

/**
 * One history entry as chat messages: an action is the assistant's tool call and the tool's answer (its
 * result, error or why it did not run), so the model knows what the robot did.
 */
function chatMessagesOf(entry: HistoryEntry): ChatMessage[] {
  if (entry.role !== 'action' || !entry.action)
    return [{ role: entry.role === 'user' ? 'user' : 'assistant', content: entry.text }];
  const { callId, name, status, outcome } = entry.action;
  const toolCall = { id: callId, name, arguments: JSON.stringify(entry.action.arguments) };
  return [
    { role: 'assistant', content: '', toolCalls: [toolCall] },
    {
      role: 'tool',
      toolCallId: callId,
      content: JSON.stringify({ status, ...(outcome !== undefined ? { outcome } : {}) }),
    },
  ];
}
