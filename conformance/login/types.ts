/**
 * What a login module is (`orange-identity conformance --login <module>`): an ES module whose default export signs
 * the end-user in on the target's login page and consents, driving a Playwright `page` (playwright-core, an
 * optional peer dependency, driving Debian's chromium). The page is already at the authorization request when the
 * module is called; the module fills the page's forms and returns. The suite catches the navigation to the
 * profile's redirect URI, so that the code never leaves the browser, and goes on with it. A module is called again
 * whenever the target shows a page instead of redirecting at once (a new sign-in, a new consent).
 */
import type { Page } from 'playwright-core';
import type { Profile } from '../profile.js';

export interface LoginArguments {
  /** A page of the suite's browser, at `authorizeUrl` (or wherever the target sent it from there). */
  page: Page;
  /** The authorization request the suite opened: the target's authorize endpoint with its query. */
  authorizeUrl: string;
  /** The profile of the run: `authentication.login` holds the end-user's username and password. */
  profile: Profile;
}

/** A login module's default export. */
export type LoginModule = (args: LoginArguments) => Promise<void>;
