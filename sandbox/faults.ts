/**
 * Fault injection: the next calls of an operation answer one of its documented responses, chosen by its named
 * example (matchid's 503 `ServiceUnavailable`, the token endpoint's 500 `InternalError`...), optionally after a
 * delay, so that a client's retry, error and timeout paths can be tested offline. A fault answers before any
 * check of the request (as a failing gateway or back end would). Only what the contract documents can be armed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { OPERATIONS, type OperationId } from '../src/contract/operations.js';
import { validator } from '../src/contract/validators.js';
import type { DocumentedResponses } from './contract.js';
import { describeSchemaErrors } from './fixture.js';
import { STORE_CAPS } from './limits.js';

export interface FaultSpec {
  /** The operation, by its operationId in the contract (`matchIdentity`, `requestJwtBearerToken`...). */
  operationId: OperationId | (string & {});
  /** A status the operation documents. */
  status: number;
  /** A named example of that status; its first one by default. */
  example?: string;
  /** How many calls it answers (1 by default). */
  times?: number;
  /** Milliseconds to wait before answering (0 by default, at most 60 000). */
  delayMs?: number;
  /** Only calls carrying this header with this value (for parallel tests sharing one sandbox). */
  header?: { name: string; value: string };
}

export interface Fault {
  id: number;
  operationId: OperationId;
  status: number;
  example: string;
  /** Calls it still answers. */
  remaining: number;
  delayMs: number;
  header?: { name: string; value: string };
}

/** A fault the contract does not document, or a malformed one: the message says what is documented. */
export class FaultError extends Error {
  override readonly name = 'FaultError';
}

const OPERATION_IDS = new Set<string>(OPERATIONS.map((o) => o.operationId));
const specSchema = validator('sandbox-admin/FaultSpec');

export class Faults {
  private armed: (Fault & { response: string })[] = [];
  private lastId = 0;

  constructor(private readonly docs: DocumentedResponses) {}

  /** Arms a fault; throws FaultError for an unknown operation, an undocumented status or example, or bad values. */
  inject(spec: FaultSpec): Fault {
    if (!specSchema(spec)) throw new FaultError(`invalid fault: ${describeSchemaErrors(specSchema.errors ?? [], 'fault').join('; ')}`);
    const { operationId, status } = spec;
    if (!OPERATION_IDS.has(operationId)) {
      throw new FaultError(`no operation ${operationId} in the contract; the operations are ${[...OPERATION_IDS].join(', ')}`);
    }
    const op = OPERATIONS.find((o) => o.operationId === operationId)!;
    const statuses = Object.keys(op.responses);
    if (!statuses.includes(String(status))) throw new FaultError(`${operationId} documents no status ${status}; it documents ${statuses.join(', ')}`);
    const ids = this.docs.idsOf(op.operationId, status);
    const names = ids.map((id) => id.slice(id.lastIndexOf('/') + 1));
    if (names.length === 0) throw new FaultError(`${operationId} documents status ${status} without a named response example to send`);
    const example = spec.example ?? names[0]!;
    if (!names.includes(example)) throw new FaultError(`${operationId} status ${status} has no example ${example}; its named examples are ${names.join(', ')}`);
    if (this.armed.length >= STORE_CAPS.faults) throw new FaultError(`${STORE_CAPS.faults} faults are armed already: clear some first`);
    const fault = {
      id: ++this.lastId, operationId: op.operationId, status, example, remaining: spec.times ?? 1, delayMs: spec.delayMs ?? 0,
      ...(spec.header ? { header: { name: spec.header.name.toLowerCase(), value: spec.header.value } } : {}),
      response: ids[names.indexOf(example)]!,
    };
    this.armed.push(fault);
    return publicView(fault);
  }

  /** The armed faults, in the order they were armed. */
  list(): Fault[] {
    return this.armed.map(publicView);
  }

  /** Disarms the faults of one operation, or all of them. */
  clear(operationId?: string): void {
    this.armed = operationId === undefined ? [] : this.armed.filter((f) => f.operationId !== operationId);
  }

  get size(): number {
    return this.armed.length;
  }

  /** The documented response a call of `operationId` must answer, and after how long, if a fault is armed for it
   *  (the call uses one of its `times`). */
  take(operationId: OperationId, headers: IncomingHttpHeaders): { response: string; delayMs: number } | undefined {
    const index = this.armed.findIndex((f) => f.operationId === operationId && (!f.header || headers[f.header.name] === f.header.value));
    if (index < 0) return undefined;
    const fault = this.armed[index]!;
    if (--fault.remaining === 0) this.armed.splice(index, 1);
    return { response: fault.response, delayMs: fault.delayMs };
  }
}

const publicView = ({ response: _response, ...fault }: Fault & { response: string }): Fault => ({ ...fault, ...(fault.header ? { header: { ...fault.header } } : {}) });
