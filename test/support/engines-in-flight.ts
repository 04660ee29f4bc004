/** The simulated loops' engines in flight: runtime/engines-in-flight.ts (the record re-run uses them too). */
export { settleInFlight, tracked, trackedDecodes, trackedEngines, trackedKeywords } from '../../runtime/engines-in-flight.js';
