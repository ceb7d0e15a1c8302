import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../../conformance/login/browser.js';

/** Debian's chromium (installed by .ci/run), or CHROMIUM_PATH: the one `--login` drives. */
export const CHROMIUM = chromiumPath() ?? '';

/** Browser tests run wherever chromium is; in CI (where .ci/run installs it) its absence is a failure, not a skip. */
export const browserUnavailable = !CHROMIUM || !existsSync(CHROMIUM);
if (browserUnavailable && process.env.CI) throw new Error('CI needs Debian chromium for the browser tests: .ci/run installs it');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}

/** Where a browser test writes a screenshot for review: SCREENSHOTS_DIR, or a folder under the system's temporary
 *  folder, never the repository tree. */
export async function screenshotPath(name: string): Promise<string> {
  const dir = process.env.SCREENSHOTS_DIR ?? path.join(tmpdir(), 'orange-identity-screenshots');
  await mkdir(dir, { recursive: true });
  return path.join(dir, name);
}
