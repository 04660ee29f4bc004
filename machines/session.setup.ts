/**
 * The session chart's whole vocabulary: the dialog's (`session.base.ts`), the actions region's
 * (`action-plans.ts`) and the activation region's (`activation-plans.ts`). `session.machine.ts` wires these by name.
 */
import { actionDelays, actionGuards, actionPlans } from './action-plans.js';
import { activationDelays, activationGuards, activationPlans } from './activation-plans.js';
import { baseSetup } from './session.base.js';

export const sessionSetup = baseSetup.extend({
  actions: { ...actionPlans, ...activationPlans },
  guards: { ...actionGuards, ...activationGuards },
  delays: { ...actionDelays, ...activationDelays },
});

export { and, not } from './session.base.js';
export type { ReplyProgress, SessionContext, SessionInput, Speculation } from './context.js';
