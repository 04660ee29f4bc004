export * from './subjects.js';
export * from './messages.js';
export * from './codec.js';
export * from './errors.js';
export * from './transport.js';
export * from './memory-transport.js';
export * from './nats-transport.js';
export * from './message-bus.js';
