/**
 * What the sandbox takes from the contract: its documented responses (the named examples, serialized once at
 * start-up, so that every error the sandbox sends is the contract's, word for word) and the scopes of its APIs.
 * Requests are validated with the generated JSON Schemas (src/contract/ajv.ts).
 */
import type { ServerResponse } from 'node:http';
import { collectExamples, type JsonObject } from '../src/contract/examples.js';
import { API_SLUGS, dereferencedBundle, readBundle, type ApiSlug } from '../src/contract/load.js';

export interface Documented {
  status: number;
  body: string;
  contentType: string;
}

/** The documented responses, by `slug/operationId/status/example`. */
async function loadDocumentedResponses(): Promise<Map<string, Documented>> {
  const responses = new Map<string, Documented>();
  for (const slug of API_SLUGS) {
    for (const e of collectExamples(slug, dereferencedBundle(slug))) {
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

/** The scope an operation's security requirement asks for, besides `openid` (`form_filling`, `check_id`, `id_match`). */
export function operationScope(slug: ApiSlug, pathName: string, method: 'get' | 'post'): string {
  const operation = ((readBundle(slug).paths as JsonObject)[pathName] as JsonObject)[method] as JsonObject;
  const requirement = (operation.security as JsonObject[])[0]!;
  const scope = (Object.values(requirement)[0] as string[]).find((s) => s !== 'openid');
  if (!scope) throw new Error(`${slug} ${method} ${pathName} asks for no API scope`);
  return scope;
}
