// Every test file runs with the checks that are too costly for production (bus/strict-checks.ts): schema
// checks on in-process messages and Realtime server events, and frozen deliveries.
import { setStrictChecks } from '../../bus/strict-checks.js';

setStrictChecks(true);
