/** What value-case triggers read from the contract about a request body: its schema and its validator. */
import type { JsonObject } from '../../src/contract/examples.js';
import { operation, operationObject, type OperationId } from '../../src/contract/operations.js';
import { validator } from '../../src/contract/validators.js';

function requestMedia(operationId: OperationId): [string, JsonObject] {
  const [media, content] = Object.entries(((operationObject(operationId).requestBody as JsonObject).content ?? {}) as Record<string, JsonObject>)[0]!;
  return [media, content.schema as JsonObject];
}

/** The operation's request body schema (its first media type), dereferenced. */
export const requestSchema = (operationId: OperationId): JsonObject => requestMedia(operationId)[1];

/** True when `body` is a valid request body of the operation (the precompiled validator). */
export function isValidRequest(operationId: OperationId, body: unknown): boolean {
  const op = operation(operationId);
  return validator(`${op.slug}/${operationId}/request/${requestMedia(operationId)[0]}`)(body);
}

/** The member names of an object schema. */
export const membersOf = (schema: JsonObject | undefined): string[] => Object.keys((schema?.properties ?? {}) as JsonObject);
