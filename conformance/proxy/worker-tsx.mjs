// The recording thread's entry in a clone of the repository, where the proxy runs from its TypeScript sources:
// tsx first, then the thread's module (conformance/proxy/worker.ts). The installed package runs dist's worker.js.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
