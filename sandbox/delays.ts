/**
 * Fault answers held back by a fault's `delayMs`: each waits on its own timer, is dropped when its client goes,
 * is answered at once when the sandbox is reset (a reset releases what its faults held), and is stopped when the
 * sandbox closes.
 */
import type { ServerResponse } from 'node:http';
import type { DocumentedResponses } from './contract.js';

export interface HeldAnswer { response: string; delayMs: number }

export function createDelays(docs: DocumentedResponses) {
  /** Each held answer's timer, and what answering it now sends. */
  const held = new Map<NodeJS.Timeout, () => void>();
  const drop = (timer: NodeJS.Timeout) => {
    clearTimeout(timer);
    held.delete(timer);
  };
  return {
    /** Sends the fault's documented response, after its delay. */
    answer(res: ServerResponse, fault: HeldAnswer) {
      if (fault.delayMs === 0) return docs.send(res, fault.response);
      const send = () => {
        drop(timer);
        if (!res.destroyed && !res.headersSent) docs.send(res, fault.response);
      };
      const timer = setTimeout(send, fault.delayMs);
      held.set(timer, send);
      res.once('close', () => drop(timer));
    },
    /** How many answers are held. */
    get size() {
      return held.size;
    },
    /** Answers every held request now. */
    release() {
      for (const send of [...held.values()]) send();
    },
    /** Stops every timer without answering (the connections are closed next). */
    stop() {
      for (const timer of [...held.keys()]) drop(timer);
    },
  };
}
