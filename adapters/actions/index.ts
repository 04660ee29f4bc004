export * from './declaration.js';
export * from './arguments.js';
export * from './catalog.js';
export * from './template.js';
export * from './executor.js';
export * from './robot-simulator.js';
export * from './load.js';
