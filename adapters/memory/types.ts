/** Long-term memory lookup: facts relevant to the user's turn, from a service that may be slow. */
export interface MemoryLookup {
  readonly name: string;
  /** Resolves with memory snippets; must honour `signal` (aborted when the budget is spent). */
  lookup(query: string, options: { sessionId: string; signal: AbortSignal }): Promise<string[]>;
}
