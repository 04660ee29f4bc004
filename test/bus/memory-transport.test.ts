import { createMemoryTransport } from '../../bus/memory-transport.js';
import { describeTransportContract } from './transport-contract.js';

// One in-process transport is one bus: `a` and `b` are the same object.
describeTransportContract('memory', async ({ onHandlerError }) => {
  const transport = createMemoryTransport({ onHandlerError });
  return { a: transport, b: transport, cleanup: () => transport.close() };
});
