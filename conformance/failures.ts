/**
 * What a check reports: named failures, each with what was expected and what came. The check names are one
 * vocabulary for the conformance suite, the fuzzer and the validating proxy; `CHECKS` says what each verifies
 * (the HTML report shows it).
 *
 * Entry points: `Failure`, `CheckName`, `CHECKS`, `failure(check, expected, got, at?)`.
 */

export const CHECKS = {
  // Operation-level checks of a response (conformance/operation-checks.ts), on every exchange.
  status: 'the status is the one the case expects, or one the operation documents',
  'content-type': 'the Content-Type is one the operation documents for that status, once; JSON is UTF-8',
  header: 'every required documented header is present and valid against its schema',
  'header-once': 'a documented header appears exactly once',
  body: 'the body parses as the documented media type (JSON in UTF-8)',
  schema: 'the body is valid against the contract schema of that status',
  'undocumented-member': 'the body has no member the contract does not document',
  'error-value': 'an error carries one of the documented error/error_description (or Orange code/message) pairs of that status',
  jwt: 'a JWT-valued member decodes, is valid against its contentSchema, and its claims hold (iss, aud, nonce, exp, iat, auth_time, signature)',
  scope: 'a granted scope is within what was asked',
  'cross-response': 'a fact stated by one response holds in the others (the metadata issuer is the assertion audience)',
  // Request checks (the validating proxy).
  operation: 'the request is a documented operation (path and method)',
  parameter: 'required parameters are present, and every documented one is valid',
  credentials: 'the credentials the operation needs are present (HTTP Basic, bearer token)',
  // Fuzz checks (conformance/fuzz/): each groups the operation-level checks above or checks a phase's outcome.
  not_a_server_error: 'no response is a 5xx, and every request gets a complete response',
  status_code_conformance: 'the status is one the operation documents',
  content_type_conformance: 'the Content-Type is one the operation documents for that status, and the body parses as it',
  response_headers_conformance: 'the documented headers are present, once, and valid',
  response_schema_conformance: 'the body is valid against the schema of that status (no undocumented member, documented error values, JWT claims, scopes)',
  negative_data_rejection: 'a request the contract says is invalid (one constraint broken) is refused, never accepted with a 2xx or a success redirect',
  positive_data_acceptance: 'a valid request is not refused, unless with a documented refusal the profile lists',
  ignored_auth: 'a request with no, malformed, unknown, revoked or wrong-scope credentials is refused',
  use_after_free: 'what was consumed, expired or revoked stays refused (a reused code, an expired or revoked token)',
  // Case checks (conformance/checks.ts).
  example: 'the response is the named example (mock), or carries every member of it (live)',
  value: 'the values the case computes from the profile and the request hold',
  score: 'each match score is the Jaro-Winkler similarity of the value sent and the subject\'s',
  match: 'each *_match verdict and echo follows the page\'s normalisation rules',
  location: 'the redirect goes to the registered redirect URI with the documented query members',
  trigger: 'the steps before the case\'s request succeeded',
  request: 'a response came',
  precondition: 'a step other cases need worked (the client credentials, the end-user\'s code, the Direct Match key); when it did not, they are skipped as blocked by this case',
} as const;

export type CheckName = keyof typeof CHECKS;

export interface Failure {
  check: CheckName;
  /** What the contract or the case expects: text, or a JSON value. */
  expected: unknown;
  /** What came: text, or a JSON value (reports redact both before formatting). */
  got: unknown;
  /** Where: a member (`/address/postal_code_score`), a header, a claim (`id_token.aud`). */
  at?: string;
  /** The exchange it was seen on, when it is not the case's own request: `step 1: GET /path`. */
  step?: string;
}

export const failure = (check: CheckName, expected: unknown, got: unknown, at?: string): Failure =>
  (at === undefined ? { check, expected, got } : { check, expected, got, at });
