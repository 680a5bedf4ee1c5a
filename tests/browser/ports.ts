import { execFileSync } from 'node:child_process';

/**
 * Ports of the browser-test stack and app, chosen free by the kernel once per `playwright test` run, so
 * two runs (or a developer's stack on 54321/54322/3000) never collide. Playwright loads this file in the
 * runner and again in each worker and in the web server: the runner picks the ports and publishes them
 * through the environment, which its children inherit.
 */
const VARIABLES = ['BROWSER_TEST_API_PORT', 'BROWSER_TEST_DB_PORT', 'BROWSER_TEST_APP_PORT', 'BROWSER_TEST_MAIL_PORT'] as const;

if (VARIABLES.some((name) => !process.env[name])) {
  // All listeners open at once, so the ports differ.
  const script = `const net=require('node:net');const s=[0,1,2,3].map(()=>net.createServer());let n=0;
s.forEach(x=>x.listen(0,'127.0.0.1',()=>{if(++n===s.length){process.stdout.write(s.map(y=>y.address().port).join(','));s.forEach(y=>y.close())}}))`;
  const ports = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).split(',');
  VARIABLES.forEach((name, index) => {
    process.env[name] = ports[index];
  });
}

export const BROWSER_TEST_PORTS = {
  api: Number(process.env.BROWSER_TEST_API_PORT),
  db: Number(process.env.BROWSER_TEST_DB_PORT),
  app: Number(process.env.BROWSER_TEST_APP_PORT),
  mail: Number(process.env.BROWSER_TEST_MAIL_PORT),
} as const;
export const APP_URL = `http://127.0.0.1:${BROWSER_TEST_PORTS.app}`;
/** The browser-test stack's local inbox (Mailpit-compatible API). */
export const MAIL_URL = `http://127.0.0.1:${BROWSER_TEST_PORTS.mail}`;
