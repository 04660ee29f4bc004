/**
 * The session chart's whole vocabulary: the dialog's (`session.base.ts`) and the actions region's
 * (`action-plans.ts`). `session.machine.ts` wires these by name.
 */
import { actionDelays, actionGuards, actionPlans } from './action-plans.js';
import { baseSetup } from './session.base.js';

export const sessionSetup = baseSetup.extend({ actions: actionPlans, guards: actionGuards, delays: actionDelays });

export { and, not } from './session.base.js';
export type { ReplyProgress, SessionContext, SessionInput, Speculation } from './context.js';
