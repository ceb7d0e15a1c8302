/** Resolves on the first SIGINT (Ctrl-C) or SIGTERM: long-running commands then stop what they started and exit 0. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
