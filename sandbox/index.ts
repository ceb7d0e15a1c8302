/**
 * `orange-identity-contracts/sandbox`: the reference sandbox of the five Orange identity APIs as an in-process
 * test fixture. One sandbox per test file, on port 0:
 *
 * ```ts
 * const sandbox = createSandbox();
 * beforeAll(() => sandbox.listen());  // resolves to its URL
 * afterEach(() => sandbox.reset());   // back to the fixture: tokens, codes, sessions, faults, clock
 * afterAll(() => sandbox.close());
 * ```
 *
 * See docs/sandbox.md and docs/guides/testing.md.
 */
export { createSandbox, type Sandbox, type SandboxOptions } from './server.js';
export { createClock, type Clock } from './clock.js';
export { FaultError, type Fault, type FaultSpec, type Faults } from './faults.js';
export { DEFAULT_FIXTURE, FixtureError, loadFixture, type Client, type Fixture, type Kyc, type Subscriber } from './fixture.js';
export { MAX_BODY_BYTES } from './http.js';
export { STORE_CAPS } from './limits.js';
