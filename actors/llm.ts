/**
 * LLM actor (one per reply): streams the engine's tokens, publishes `llm.started` on the first one,
 * every `llm.token`, and each clause the moment the chunker closes it (`llm.clause`), then `llm.done`.
 * Stopping the actor (barge-in, STOP, END) aborts the engine request so generation really stops, and
 * nothing more is published for the turn.
 */
import { fromCallback, type EventObject } from 'xstate';
import { createClauseChunker } from './clause-chunker.js';
import type { SessionActorDeps } from './deps.js';
import type { LlmActorInput } from './inputs.js';

export function createLlmActor(deps: SessionActorDeps) {
  return fromCallback<EventObject, LlmActorInput>(({ input }) => {
    const { bus, llm, clock } = deps;
    const { sessionId, turnId, messages } = input;
    const controller = new AbortController();
    const chunker = createClauseChunker(deps.pipeline.chunker);
    const startedAtMs = clock.now();
    let clauses = 0;

    const publishClauses = (texts: string[]) => {
      for (const text of texts) bus.publish({ type: 'llm.clause', sessionId, turnId, index: clauses++, text });
    };

    const run = async () => {
      let index = 0;
      let full = '';
      for await (const token of llm.stream({ messages, signal: controller.signal })) {
        if (controller.signal.aborted) return;
        if (index === 0) bus.publish({ type: 'llm.started', sessionId, turnId, firstTokenMs: clock.now() - startedAtMs });
        bus.publish({ type: 'llm.token', sessionId, turnId, index: index++, text: token });
        full += token;
        publishClauses(chunker.push(token));
      }
      if (controller.signal.aborted) return;
      if (index === 0) bus.publish({ type: 'llm.started', sessionId, turnId, firstTokenMs: clock.now() - startedAtMs });
      publishClauses(chunker.flush());
      bus.publish({ type: 'llm.done', sessionId, turnId, text: full.trim(), clauses });
    };

    run().catch((error: unknown) => {
      if (controller.signal.aborted) return;
      const detail = error instanceof Error ? error.message : String(error);
      bus.publish({ type: 'llm.error', sessionId, turnId, message: `LLM "${llm.name}" failed: ${detail}` });
    });

    return () => controller.abort(new Error(`turn ${turnId} cancelled`));
  });
}
