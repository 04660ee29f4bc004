/**
 * Races a memory lookup against a budget on the given clock: results that arrive in time are returned,
 * late ones (or failures) give `undefined` so the LLM request never waits longer than the budget.
 */
import type { Clock } from '../clock.js';
import type { MemoryLookup } from './types.js';

export interface BudgetedLookupResult {
  results: string[] | undefined;
  outcome: 'hit' | 'late' | 'failed';
  waitedMs: number;
}

export async function lookupWithinBudget(
  memory: MemoryLookup,
  query: string,
  options: { sessionId: string; budgetMs: number; clock: Clock },
): Promise<BudgetedLookupResult> {
  const { clock, budgetMs, sessionId } = options;
  const startedAtMs = clock.now();
  const controller = new AbortController();
  let timer: unknown;
  const late = new Promise<'late'>((resolve) => {
    timer = clock.setTimeout(() => resolve('late'), budgetMs);
  });
  try {
    const result = await Promise.race([memory.lookup(query, { sessionId, signal: controller.signal }), late]);
    if (result === 'late') {
      controller.abort(new Error(`memory lookup over its ${budgetMs} ms budget`));
      return { results: undefined, outcome: 'late', waitedMs: clock.now() - startedAtMs };
    }
    return { results: result, outcome: 'hit', waitedMs: clock.now() - startedAtMs };
  } catch {
    return { results: undefined, outcome: 'failed', waitedMs: clock.now() - startedAtMs };
  } finally {
    clock.clearTimeout(timer);
  }
}
