/** Fixed ports of the browser-test stack and app, apart from the developer's 54321/54322/3000. */
export const BROWSER_TEST_PORTS = { api: 54331, db: 54332, app: 3100 } as const;
export const APP_URL = `http://127.0.0.1:${BROWSER_TEST_PORTS.app}`;
