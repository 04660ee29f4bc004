/**
 * The in-process transport's subscribers by pattern, and the subscribers each subject goes to. Audio
 * subjects repeat 50 times a second per session, so the matched subscribers are cached per subject until
 * a subscription that could match it changes.
 *
 * Cached subjects are grouped by their first two tokens (`<prefix>.<sessionId>`), with the number of
 * live subscriptions whose pattern has that literal scope. A subscription with a literal scope can only
 * change routes of that scope, so one session's reply actors coming and going (several times a turn)
 * never empties the cache of a thousand other sessions; when a scope's last subscription goes (the
 * session ended), its cached routes go with it.
 *
 * @example
 * ```ts
 * const routes = new SubscriberRoutes<Sub>();
 * routes.add('va.s1.tts.>', sub);
 * routes.match('va.s1.tts.chunk'); // [sub], cached until a va.s1 subscription changes
 * ```
 */
import { SubjectIndex } from './subject-index.js';
import { subjectMatches } from './transport.js';

/**
 * Why 500,000: a safety net, not a working size. A session's cached routes go when its subscriptions
 * change or end, so the caches hold about twenty subjects per live session (20,000 at 1000 sessions);
 * a cache starting over every few seconds would re-match every subject of every session.
 */
const ROUTE_CACHE_LIMIT = 500_000;

/** A subscriber in creation order: deliveries go out in subscription order, as from one NATS connection. */
export interface OrderedSubscriber {
  readonly order: number;
}

interface Scope {
  subscriptions: number;
  subjects: Set<string>;
}

/** `<prefix>.<sessionId>` of a subject or pattern, unless a wildcard is part of it. */
function scopeOf(subjectOrPattern: string): string | undefined {
  const first = subjectOrPattern.indexOf('.');
  const second = first < 0 ? -1 : subjectOrPattern.indexOf('.', first + 1);
  if (second < 0) return undefined;
  const scope = subjectOrPattern.slice(0, second);
  return /[*>]/.test(scope) ? undefined : scope;
}

export class SubscriberRoutes<T extends OrderedSubscriber> {
  private readonly index = new SubjectIndex<T>();
  private readonly routes = new Map<string, T[]>();
  private readonly scopes = new Map<string, Scope>();

  add(pattern: string, subscriber: T): void {
    const scope = scopeOf(pattern);
    this.index.add(pattern, subscriber);
    this.scopeSubscribed(scope, 1);
    this.invalidate(pattern, scope);
  }

  remove(pattern: string, subscriber: T): void {
    const scope = scopeOf(pattern);
    this.index.remove(pattern, subscriber);
    this.invalidate(pattern, scope);
    this.scopeSubscribed(scope, -1);
  }

  /** The subscribers whose pattern matches `subject`, in subscription order. */
  match(subject: string): T[] {
    const cached = this.routes.get(subject);
    if (cached) return cached;
    const matched = this.index.match(subject);
    if (matched.length > 1) matched.sort((a, b) => a.order - b.order);
    const scope = scopeOf(subject);
    // Only subjects of a scope with subscriptions of its own are cached: the scope's end clears them.
    const entry = scope === undefined ? undefined : this.scopes.get(scope);
    if (entry) {
      if (this.routes.size >= ROUTE_CACHE_LIMIT) this.clear();
      this.routes.set(subject, matched);
      entry.subjects.add(subject);
    }
    return matched;
  }

  private clear(): void {
    this.routes.clear();
    for (const entry of this.scopes.values()) entry.subjects.clear();
  }

  /**
   * Drops the cached routes a subscription change can alter: the one subject of a literal pattern, the
   * matching subjects of its scope for a wildcard pattern, everything for a pattern with no literal scope.
   * A turn's actors subscribe to literal subjects (`va.s1.tts.chunk`) and go a few seconds later;
   * dropping the whole session's routes for each of them re-matched some 30,000 subjects a second at
   * 1000 sessions.
   */
  private invalidate(pattern: string, scope: string | undefined): void {
    if (scope === undefined) return this.clear();
    const subjects = this.scopes.get(scope)?.subjects;
    if (!subjects || subjects.size === 0) return;
    if (!/[*>]/.test(pattern)) {
      if (subjects.delete(pattern)) this.routes.delete(pattern);
      return;
    }
    for (const subject of subjects) {
      if (!subjectMatches(pattern, subject)) continue;
      this.routes.delete(subject);
      subjects.delete(subject);
    }
  }

  private scopeSubscribed(scope: string | undefined, delta: 1 | -1): void {
    if (scope === undefined) return;
    let entry = this.scopes.get(scope);
    if (!entry) this.scopes.set(scope, (entry = { subscriptions: 0, subjects: new Set() }));
    entry.subscriptions += delta;
    if (entry.subscriptions > 0) return;
    for (const subject of entry.subjects) this.routes.delete(subject);
    this.scopes.delete(scope);
  }
}
