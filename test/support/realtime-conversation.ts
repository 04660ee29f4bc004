/**
 * The conversation a Realtime server describes, rebuilt from its events alone as a client library
 * would: `conversation.item.added` places an item after its `previous_item_id`, `.done` and `.retrieved`
 * update it, `.deleted` removes it. Conformance tests compare a client's own history with this, item for
 * item, and `itemEventProblems` lists every place where the events disagree with each other.
 *
 * @example
 * ```ts
 * const items = conversationFromEvents(client.events);
 * expect(items.map((i) => i.id)).toEqual(sdkHistory.map((i) => i.itemId));
 * expect(itemEventProblems(client.events)).toEqual([]);
 * ```
 */
export interface WireItem {
  id: string;
  type: string;
  role?: string;
  status?: string;
  content?: Array<{ type: string; text?: string; transcript?: string | null }>;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: string;
}
type Event = { type: string; [k: string]: unknown };

/** The items in order, each as its last event described it. */
export function conversationFromEvents(events: readonly Event[]): WireItem[] {
  const items: WireItem[] = [];
  for (const e of events) {
    const item = e.item as WireItem | undefined;
    if (e.type === 'conversation.item.added' && item) {
      const rest = items.findIndex((i) => i.id === item.id);
      if (rest !== -1) items.splice(rest, 1);
      const previous = e.previous_item_id as string | null;
      const at = previous === null ? 0 : items.findIndex((i) => i.id === previous) + 1;
      items.splice(at === 0 && previous !== null ? items.length : at, 0, item);
    } else if ((e.type === 'conversation.item.done' || e.type === 'conversation.item.retrieved') && item) {
      const at = items.findIndex((i) => i.id === item.id);
      if (at !== -1) items[at] = item;
    } else if (e.type === 'conversation.item.deleted') {
      const at = items.findIndex((i) => i.id === e.item_id);
      if (at !== -1) items.splice(at, 1);
    }
  }
  return items;
}

/**
 * What is inconsistent in the item events: an item added after one the client does not have, an item
 * done that was never added, or done with another `previous_item_id` than the conversation holds.
 */
export function itemEventProblems(events: readonly Event[]): string[] {
  const problems: string[] = [];
  const order: string[] = [];
  for (const e of events) {
    const item = e.item as WireItem | undefined;
    if (e.type === 'conversation.item.added' && item) {
      const previous = e.previous_item_id as string | null;
      if (previous !== null && !order.includes(previous)) problems.push(`${item.id} added after unknown ${previous}`);
      const expected = order.at(-1) ?? null;
      // A client's own item goes where it asked; the server's (replies, calls, utterances) at the end.
      const servers =
        item.role === 'assistant' || item.type === 'function_call' || item.content?.[0]?.type === 'input_audio';
      if (servers && previous !== expected)
        problems.push(`${item.id} added after ${previous}, the last is ${expected}`);
      const rest = order.indexOf(item.id);
      if (rest !== -1) order.splice(rest, 1);
      order.splice(previous === null ? 0 : order.indexOf(previous) + 1, 0, item.id);
    } else if (e.type === 'conversation.item.done' && item) {
      const at = order.indexOf(item.id);
      if (at === -1) problems.push(`${item.id} done, never added`);
      else if ((e.previous_item_id ?? null) !== (order[at - 1] ?? null))
        problems.push(`${item.id} done after ${String(e.previous_item_id)}, added after ${order[at - 1] ?? null}`);
    } else if (e.type === 'conversation.item.deleted') {
      const at = order.indexOf(String(e.item_id));
      if (at !== -1) order.splice(at, 1);
    }
  }
  return problems;
}

/** An item's words: its text, transcript, or a function call's name and arguments, for comparing histories. */
export function wordsOf(item: WireItem): string {
  if (item.type === 'function_call') return `${item.name}(${item.arguments})`;
  if (item.type === 'function_call_output') return `=> ${item.output}`;
  return (item.content ?? []).map((c) => c.text ?? c.transcript ?? '').join(' ');
}
