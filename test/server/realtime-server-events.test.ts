/**
 * One description of the server's events: `ServerEventSchema` (server/realtime/server-events.ts). The
 * event table in docs/server.md lists exactly its events with exactly their fields, and every field the
 * page checks before use (web/realtime-events.js) is in the union with the type the page expects.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ServerEventSchema } from '../../server/realtime/server-events.js';
import { parseServerEvent, SHAPES } from '../../web/realtime-events.js';

const union = new Map(ServerEventSchema.options.map((o) => [o.shape.type.value as string, o]));
const fieldsOf = (type: string) => Object.keys(union.get(type)!.shape).filter((k) => k !== 'type' && k !== 'event_id');

/** The `typeof` a value at `path` always has under `schema`, or why it may not have one (absent, null, mixed). */
function typeofAt(schema: z.ZodType, path: string[]): string {
  const def = (
    schema as unknown as {
      _zod: { def: { type: string; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; values?: unknown[] } };
    }
  )._zod.def;
  if (def.type === 'optional' || def.type === 'nullable') return `${def.type} (the page drops the event without it)`;
  if (path.length > 0) {
    if (def.type !== 'object') return `not an object (${def.type})`;
    const field = def.shape![path[0]!];
    return field ? typeofAt(field, path.slice(1)) : `absent (${path[0]})`;
  }
  if (def.type === 'literal') return [...new Set(def.values!.map((v) => typeof v))].join('|');
  if (def.type === 'enum') return 'string';
  if (def.type === 'union') return [...new Set(def.options!.map((o) => typeofAt(o, [])))].join('|');
  if (def.type === 'array' || def.type === 'record') return 'object';
  return def.type;
}

describe('server events', () => {
  it("docs/server.md's table lists every event of the union with its fields, and nothing else", () => {
    const doc = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('<!-- server-events:start -->'), doc.indexOf('<!-- server-events:end -->'));
    const rows = [...table.matchAll(/^\| `([^`]+)` \| ([^|]*) \|/gm)].map(
      ([, type, fields]) => [type!, [...fields!.matchAll(/`([^`]+)`/g)].map((f) => f[1]!)] as const,
    );
    expect(rows.map(([type]) => type)).toEqual([...union.keys()]);
    for (const [type, fields] of rows) expect(fields, type).toEqual(fieldsOf(type));
  });

  it("the page's shapes are events of the union, with each field's type as the union has it", () => {
    const page = readFileSync(new URL('../../web/realtime-events.js', import.meta.url), 'utf8');
    for (const [type, shape] of Object.entries(SHAPES as Record<string, Record<string, string>>)) {
      expect(union.has(type), `${type} is not a server event`).toBe(true);
      expect(page, `the KnownEvent typedef declares ${type}`).toContain(`{type: '${type}'`);
      for (const [path, expected] of Object.entries(shape))
        expect(typeofAt(union.get(type)!, path.split('.')), `${type} ${path}`).toBe(expected);
    }
  });

  it('the page accepts what the server sends for the events it handles', () => {
    const samples = [
      {
        type: 'voice_agent.action',
        action_id: 'a1',
        name: 'navigate',
        turn_id: 'u1',
        status: 'requested',
        call_id: null,
        detail: { place: 'kitchen' },
      },
      {
        type: 'voice_agent.notice',
        code: 'action_refused',
        detail: 'unknown_action: no action "fly"',
        turn_id: 'u1',
        notice: { code: 'action_refused', name: 'fly', reason: 'unknown_action', explanation: 'no action "fly"' },
      },
    ];
    for (const sample of samples) {
      expect(ServerEventSchema.safeParse({ ...sample, event_id: 'evt_1' }).success, sample.type).toBe(true);
      expect(parseServerEvent(JSON.stringify(sample)), sample.type).toMatchObject({ type: sample.type });
    }
  });
});
