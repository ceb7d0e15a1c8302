/** The built documentation site at `/docs/` (dist/docs, which the package ships and `npm run docs` builds). */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import type { DocumentedResponses } from './contract.js';
import { NO_FRAMING } from './http.js';

/** The documentation site's file server, built on the first request for it and shared per process. */
const sites = new Map<string, ReturnType<typeof sirv> | undefined>();
function siteOf(dir: string) {
  if (!sites.has(dir)) {
    const setHeaders = (res: ServerResponse, pathname: string) => {
      if (pathname.endsWith('.html') || pathname.endsWith('/')) for (const [name, value] of Object.entries(NO_FRAMING)) res.setHeader(name, value);
    };
    sites.set(dir, existsSync(dir) ? sirv(dir, { extensions: ['html'], dev: false, setHeaders }) : undefined);
  }
  return sites.get(dir);
}

/** The handler of `GET /docs` and `GET /docs/...` for the site in `docsDir`. */
export function docsSite(docsDir: string, docs: DocumentedResponses) {
  return (req: IncomingMessage, res: ServerResponse, target: string) => {
    const site = siteOf(docsDir);
    if (target === '/docs') {
      res.writeHead(301, { Location: '/docs/' }).end();
      return;
    }
    if (!site) {
      // Only a clone has the build script; an installed package ships the site, so a missing one means a broken install.
      const clone = existsSync(path.join(PACKAGE_ROOT, 'scripts/docs.ts'));
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(clone
        ? 'The documentation site is not built: run npm run docs, then restart the sandbox.\n'
        : 'The documentation site is missing from this installation of orange-identity-contracts (it ships in dist/docs/): reinstall the package.\n');
      return;
    }
    req.url = target.slice('/docs'.length);
    site(req, res, () => docs.send(res, docs.notFound(target)));
  };
}
