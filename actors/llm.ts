/**
 * LLM actor (one per reply): streams the engine's tokens, publishes `llm.started` on the first one,
 * every `llm.token`, and each clause the moment the chunker closes it (`llm.clause`), then `llm.done`.
 * Tool calls go out as `llm.tool_call`; the session checks them against the declared actions.
 * Stopping the actor (barge-in, STOP, END) aborts the engine request so generation really stops, and
 * nothing more is published for the turn.
 */
import { fromCallback } from 'xstate';
import { errorMessage, errorType, isRetryable } from '../adapters/engine-error.js';
import { isToolCall, type LlmToolCall } from '../adapters/llm/types.js';
import { lookupWithinBudget } from '../adapters/memory/budget.js';
import { createClauseChunker } from './clause-chunker.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { CommitCommand, LlmActorInput } from './inputs.js';

export function createLlmActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<CommitCommand, LlmActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, llm, clock } = deps;
    const { sessionId, turnId, messages, tools, toolChoice } = input;
    const controller = new AbortController();
    /** A speculative reply's tool calls, published only once the session commits to the reply. */
    let held: LlmToolCall[] | undefined = input.speculative ? [] : undefined;
    receive((command) => {
      if (command.type !== 'commit' || held === undefined) return;
      const calls = held;
      held = undefined;
      if (!controller.signal.aborted) for (const call of calls) publishToolCall(call);
    });
    const chunker = createClauseChunker(deps.pipeline.chunker);
    const startedAtMs = clock.now();
    let clauses = 0;

    const publishClauses = (texts: string[]) => {
      for (const text of texts) bus.publish({ type: 'llm.clause', sessionId, turnId, index: clauses++, text });
    };

    const publishToolCall = (call: LlmToolCall) => {
      // A model may invent any name: the session refuses what was not declared, so only the shape is kept here.
      const name = /^[A-Za-z0-9_-]{1,64}$/.test(call.name) ? call.name : 'invalid_tool_name';
      bus.publish({
        type: 'llm.tool_call',
        sessionId,
        turnId,
        callId: call.id || `call-${turnId}`,
        name,
        arguments: call.arguments.slice(0, 20_000),
      });
    };

    /** Memory enriches the prompt only if it answers within budget; it never delays the request longer. */
    const withMemory = async () => {
      const lastUser = [...messages].reverse().find((m) => m.role === 'user');
      if (!deps.memory || !lastUser) return messages;
      const { results, outcome, waitedMs } = await lookupWithinBudget(deps.memory, lastUser.content, {
        sessionId,
        budgetMs: deps.pipeline.memoryBudgetMs,
        clock,
      });
      if (controller.signal.aborted) return messages;
      bus.publish({ type: 'llm.memory', sessionId, turnId, outcome, waitedMs, results: results?.length ?? 0 });
      if (!results || results.length === 0) return messages;
      const note = { role: 'system' as const, content: `Relevant memory:\n${results.map((r) => `- ${r}`).join('\n')}` };
      return [...messages.slice(0, -1), note, messages[messages.length - 1]!];
    };

    const run = async () => {
      let index = 0;
      let full = '';
      const prompt = await withMemory();
      if (controller.signal.aborted) return;
      for await (const delta of llm.stream({
        messages: prompt,
        signal: controller.signal,
        ...(tools?.length ? { tools } : {}),
        ...(toolChoice ? { toolChoice } : {}),
      })) {
        if (controller.signal.aborted) return;
        if (index === 0)
          bus.publish({ type: 'llm.started', sessionId, turnId, firstTokenMs: clock.now() - startedAtMs });
        if (isToolCall(delta)) {
          index = Math.max(index, 1);
          if (held) held.push(delta);
          else publishToolCall(delta);
          continue;
        }
        bus.publish({ type: 'llm.token', sessionId, turnId, index: index++, text: delta });
        full += delta;
        // Without streaming TTS the whole reply is chunked once it is complete.
        if (deps.pipeline.streamingTts) publishClauses(chunker.push(delta));
      }
      if (controller.signal.aborted) return;
      if (index === 0) bus.publish({ type: 'llm.started', sessionId, turnId, firstTokenMs: clock.now() - startedAtMs });
      if (!deps.pipeline.streamingTts) publishClauses(chunker.push(full));
      publishClauses(chunker.flush());
      bus.publish({ type: 'llm.done', sessionId, turnId, text: full.trim(), clauses });
    };

    let streamDone = false;
    run().then(
      () => {
        streamDone = true;
      },
      (error: unknown) => {
        streamDone = true;
        if (controller.signal.aborted) return;
        bus.publish({
          type: 'llm.error',
          sessionId,
          turnId,
          message: `LLM "${llm.name}" failed: ${errorMessage(error)}`,
          errorType: errorType(error),
          retryable: isRetryable(error),
        });
      },
    );

    // A finished stream has nothing to cancel (and an Error per stop is a stack trace for nothing).
    return () => {
      if (!streamDone) controller.abort(new Error(`turn ${turnId} cancelled`));
    };
  });
}
