export { sessionMachine, type SessionMachine } from './session.machine.js';
export { sessionSetup, type SessionContext, type SessionInput } from './session.setup.js';
export { acceptsEvent } from './accepted-events.js';
export * from './config.js';
export * from './events.js';
export * from './history.js';
