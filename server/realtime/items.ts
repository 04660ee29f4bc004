/**
 * The Realtime conversation as the client sees it: its items in order (user messages and utterances,
 * assistant replies, function calls and their outputs), each placed after the item before it, so every
 * `previous_item_id` the server sends is the id of the item just before. The list is a pure value
 * (`insertItem`, `replaceItem`, `removeItem`); `createItemStore` holds one per connection for the
 * response tracker, the conversation driver and the client's `conversation.item.retrieve/delete`.
 *
 * @example
 * ```ts
 * const store = createItemStore();
 * store.add(userItem);                  // null: the first item
 * store.add(replyItem);                 // 'item_u1': placed after the user's item
 * store.previousOf('item_u1_reply');    // 'item_u1'
 * ```
 */
import type { ServerEventOf } from './server-events.js';

export type ConversationItem = ServerEventOf<'conversation.item.added'>['item'];

/**
 * Why 256: a spoken conversation adds ~3 items a turn; the LLM sees 20 turns (`historyTurns`), so 256 keeps all it
 * sees.
 */
export const MAX_ITEMS = 256;

/**
 * `item` placed after the item `after` (`undefined`: at the end; `null`: at the start), replacing an item
 * of the same id. The oldest items go past `MAX_ITEMS`.
 */
export function insertItem(
  items: readonly ConversationItem[],
  item: ConversationItem,
  after?: string | null,
): { items: readonly ConversationItem[]; previousItemId: string | null } {
  const rest = items.filter((i) => i.id !== item.id);
  const at =
    after === undefined ? rest.length : after === null ? 0 : rest.findIndex((i) => i.id === after) + 1 || rest.length;
  const next = [...rest.slice(0, at), item, ...rest.slice(at)];
  const bounded = next.length > MAX_ITEMS ? next.slice(next.length - MAX_ITEMS) : next;
  return { items: bounded, previousItemId: at === 0 ? null : rest[at - 1]!.id };
}

/** `item` in the place of the item of the same id; the list unchanged when there is none. */
export function replaceItem(items: readonly ConversationItem[], item: ConversationItem): readonly ConversationItem[] {
  return items.some((i) => i.id === item.id) ? items.map((i) => (i.id === item.id ? item : i)) : items;
}

/** The list without the item `id`; `undefined` when there is no such item. */
export function removeItem(items: readonly ConversationItem[], id: string): readonly ConversationItem[] | undefined {
  const next = items.filter((i) => i.id !== id);
  return next.length === items.length ? undefined : next;
}

/** The id of the item before `id` (`null` for the first, and for an item not in the list). */
export function previousOf(items: readonly ConversationItem[], id: string): string | null {
  const at = items.findIndex((i) => i.id === id);
  return at > 0 ? items[at - 1]!.id : null;
}

export interface ItemStore {
  /** Adds (or moves) `item` after `after` (default: at the end); returns its `previous_item_id`. */
  add(item: ConversationItem, after?: string | null): string | null;
  /** Replaces the item of the same id; returns its `previous_item_id`. */
  update(item: ConversationItem): string | null;
  /** Removes the item; `false` when there was none. */
  remove(id: string): boolean;
  get(id: string): ConversationItem | undefined;
  has(id: string): boolean;
  previousOf(id: string): string | null;
  /** The items in order. */
  all(): readonly ConversationItem[];
}

/** The conversation's items for one connection. */
export function createItemStore(): ItemStore {
  let items: readonly ConversationItem[] = [];
  return {
    add(item, after) {
      const inserted = insertItem(items, item, after);
      items = inserted.items;
      return inserted.previousItemId;
    },
    update(item) {
      items = replaceItem(items, item);
      return previousOf(items, item.id);
    },
    remove(id) {
      const next = removeItem(items, id);
      if (next === undefined) return false;
      items = next;
      return true;
    },
    get: (id) => items.find((i) => i.id === id),
    has: (id) => items.some((i) => i.id === id),
    previousOf: (id) => previousOf(items, id),
    all: () => items,
  };
}
