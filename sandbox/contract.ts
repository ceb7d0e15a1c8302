/**
 * What the sandbox takes from the contract: its documented responses (the named examples, serialized once at
 * start-up, so that every error the sandbox sends is the contract's, word for word) and validators built from
 * the generated JSON Schemas.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../src/contract/ajv.js';
import { collectExamples } from '../src/contract/examples.js';
import { API_SLUGS, GENERATED_DIR, loadDereferenced, type ApiSlug } from '../src/contract/load.js';

export interface Documented {
  status: number;
  body: string;
  contentType: string;
}

/** The documented responses, by `slug/operationId/status/example`. */
export async function loadDocumentedResponses(): Promise<Map<string, Documented>> {
  const responses = new Map<string, Documented>();
  for (const slug of API_SLUGS) {
    for (const e of collectExamples(slug, await loadDereferenced(slug))) {
      if (e.kind !== 'response' || !e.mediaType || e.webhook) continue;
      responses.set(e.id, {
        status: Number(e.status),
        body: typeof e.value === 'string' ? e.value : JSON.stringify(e.value),
        contentType: e.mediaType === 'application/json' ? 'application/json; charset=utf-8' : e.mediaType,
      });
    }
  }
  return responses;
}

export class DocumentedResponses {
  private constructor(private readonly responses: Map<string, Documented>) {}

  static async load(): Promise<DocumentedResponses> {
    return new DocumentedResponses(await loadDocumentedResponses());
  }

  get(id: string): Documented {
    const documented = this.responses.get(id);
    if (!documented) throw new Error(`the contract documents no response ${id}`);
    return documented;
  }

  /** Sends the documented response `id` (`slug/operationId/status/example`). */
  send(res: ServerResponse, id: string, headers: Record<string, string> = {}): void {
    const { status, body, contentType } = this.get(id);
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }
}

/** Validators of the generated JSON Schemas of every API, by `slug/Name`. */
export function schemaValidators(): (slug: ApiSlug, name: string) => ValidateFunction {
  const ajv = createAjv();
  for (const slug of API_SLUGS) {
    const dir = path.join(GENERATED_DIR, slug, 'schemas');
    for (const file of readdirSync(dir)) ajv.addSchema(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  }
  const cache = new Map<string, ValidateFunction>();
  return (slug, name) => {
    const key = `${slug}/${name}`;
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.getSchema(`https://orange-identity-contracts.invalid/schemas/${key}.json`);
      if (!validate) throw new Error(`no generated schema ${key}`);
      cache.set(key, validate);
    }
    return validate;
  };
}
