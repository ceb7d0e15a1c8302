/**
 * What the fuzzer may do to a target beyond its APIs, to reach expiry and revocation: move its clock, open an
 * end-user session, revoke an end-user's consent. The reference sandbox offers these on its admin API
 * (openapi/sandbox-admin.yaml, outside the contract's APIs); an in-process sandbox's clock is moved directly. A target
 * without them (any real deployment) has none: the checks that need them are skipped, with the reason.
 *
 * Entry points: `TargetControl`, `sandboxAdmin(send, clock?)`.
 */
import { adminPath } from '../sandbox-admin.js';
import type { Exchange, HttpRequest } from '../http.js';

export interface TargetControl {
  /** Moves the target's clock by `seconds` (back when negative); false when the target has no clock to move. */
  advanceClock?(seconds: number): Promise<boolean>;
  /** Opens a consenting end-user session for a subscriber: the Cookie header value, or undefined. */
  openSession?(msisdn: string): Promise<string | undefined>;
  /** The end-user revokes consent to every scope; false when the target cannot do it. */
  revokeConsent?(msisdn: string): Promise<boolean>;
}


/**
 * The sandbox's admin API through `send`; with `clock` (an in-process sandbox), the clock is moved directly,
 * otherwise through `POST /_sandbox/admin/clock {advance}` when the target has it.
 */
export function sandboxAdmin(send: (request: HttpRequest) => Promise<Exchange>, clock?: { advance(seconds: number): void }): TargetControl {
  const post = async (operationId: Parameters<typeof adminPath>[0], json: unknown) => {
    try {
      return (await send({ method: 'POST', path: adminPath(operationId), json })).response;
    } catch {
      return undefined;
    }
  };
  return {
    async advanceClock(seconds) {
      if (clock) {
        clock.advance(seconds);
        return true;
      }
      return (await post('moveClock', { advance: seconds }))?.status === 200;
    },
    async openSession(msisdn) {
      const response = await post('openSession', { msisdn, consent: 'grant' });
      if (response?.status !== 201) return undefined;
      try {
        const cookie = (JSON.parse(response.text) as { cookie?: unknown }).cookie;
        return typeof cookie === 'string' ? cookie : undefined;
      } catch {
        return undefined;
      }
    },
    async revokeConsent(msisdn) {
      return (await post('revokeConsent', { msisdn }))?.status === 204;
    },
  };
}
