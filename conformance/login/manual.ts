/**
 * `--login manual`: for each authorization code the run needs, the authorize URL is printed (on stderr, so that
 * the report on stdout stays clean) and the URL the browser was sent back to is read from stdin, a line at a time:
 * open the first in a browser, sign in and consent, copy the second from the address bar (the redirect URI need not
 * answer). One request at a time; a line that is not the redirect URI is asked for again.
 *
 * Entry point: `manualLogin({ input, output, redirectUri })` → `ManualLogin` (`callback(authorizeUrl)`, `close()`).
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { EndUserLogin } from '../context.js';

export interface ManualLoginOptions {
  input: Readable;
  output: Writable;
  /** The profile's redirect URI: what a pasted URL must start with. */
  redirectUri: string;
}

export interface ManualLogin extends EndUserLogin {
  close(): Promise<void>;
}

/** Whether `line` is a URL of the redirect URI (same origin and path). */
function isCallback(line: string, redirectUri: URL): boolean {
  try {
    const url = new URL(line);
    return url.origin === redirectUri.origin && url.pathname === redirectUri.pathname;
  } catch {
    return false;
  }
}

export function manualLogin(options: ManualLoginOptions): ManualLogin {
  const redirectUri = new URL(options.redirectUri);
  const reader = createInterface({ input: options.input, terminal: false });
  const lines = reader[Symbol.asyncIterator]();
  let asked = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const say = (text: string) => options.output.write(`${text}\n`);

  async function ask(authorizeUrl: string): Promise<string> {
    asked++;
    say(`\n--login manual (${asked}): open this URL in a browser, sign in and consent:\n${authorizeUrl}\nthen paste the URL the browser is sent to (it starts with ${redirectUri.origin}${redirectUri.pathname}) and press Enter:`);
    for (;;) {
      const next = await lines.next();
      if (next.done) throw new Error('no callback URL: stdin ended');
      const line = next.value.trim();
      if (line === '') continue;
      if (isCallback(line, redirectUri)) return line;
      say(`that is not a URL of the redirect URI ${redirectUri.origin}${redirectUri.pathname}; paste the URL the browser was sent to:`);
    }
  }

  return {
    label: 'manual',
    callback(authorizeUrl) {
      const turn = queue.then(() => ask(authorizeUrl));
      queue = turn.catch(() => undefined);
      return turn;
    },
    async close() {
      // Lets go of stdin, so that it does not keep the process alive.
      reader.close();
      options.input.pause();
    },
  };
}
