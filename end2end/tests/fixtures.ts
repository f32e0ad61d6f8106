import { test as base, expect, type Browser, type BrowserContext } from "@playwright/test";

/**
 * The one `test` every spec imports. Around each test it watches every browser
 * context the test opens (the default one and any from `browser.newContext()`
 * or `browser.newPage()`), and fails the test when
 *
 * - the browser logs a console error or a page throws an uncaught error (a
 *   WASM panic shows as both), unless the test declared that message with
 *   `consoleErrors.expect(...)`;
 * - a page with JavaScript never sets `body[data-hydrated]`: checked for every
 *   page still open at the end, and, through an init script, for any document
 *   that stays unhydrated for HYDRATION_DEADLINE_MS while the test goes on.
 *
 * A test cannot opt out by forgetting: nothing has to be called.
 */

/** How long a page may take to hydrate before it counts as broken. */
const HYDRATION_DEADLINE_MS = 10_000;

export type ConsoleErrors = {
  /**
   * Declares a console error this test provokes on purpose, such as the
   * browser's "Failed to load resource: … status of 401" when a server
   * function refuses a wrong password. It must then happen at least once.
   */
  expect(pattern: RegExp): void;
};

type Watch = { errors: string[]; expected: RegExp[]; jsContexts: BrowserContext[] };

/** Runs in every document: a page that does not hydrate in time logs an error. */
function hydrationWatchdog(deadline: number) {
  window.addEventListener("load", () => {
    setTimeout(() => {
      if (!document.body?.hasAttribute("data-hydrated")) {
        console.error(`page did not hydrate within ${deadline} ms: ${location.href}`);
      }
    }, deadline);
  });
}

async function watchContext(context: BrowserContext, watch: Watch, javaScriptEnabled: boolean) {
  context.on("console", (message) => {
    if (message.type() === "error") {
      watch.errors.push(`console error on ${message.page()?.url() ?? "?"}: ${message.text()}`);
    }
  });
  context.on("weberror", (webError) => {
    watch.errors.push(`uncaught error on ${webError.page()?.url() ?? "?"}: ${webError.error().message}`);
  });
  if (javaScriptEnabled) {
    watch.jsContexts.push(context);
    await context.addInitScript(hydrationWatchdog, HYDRATION_DEADLINE_MS);
  }
}

/** Makes contexts the test opens itself watched like the default one. */
function watchNewContexts(browser: Browser, watch: Watch): () => void {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchContext(context, watch, options?.javaScriptEnabled ?? true);
    return context;
  };
  return () => {
    browser.newContext = newContext;
  };
}

/** The open pages with JavaScript that have not hydrated (waiting for each a while). */
async function unhydratedPages(watch: Watch): Promise<string[]> {
  const unhydrated: string[] = [];
  for (const context of watch.jsContexts) {
    for (const page of context.pages()) {
      if (page.isClosed() || page.url() === "about:blank") continue;
      try {
        await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: HYDRATION_DEADLINE_MS });
      } catch {
        unhydrated.push(`page did not hydrate: ${page.url()}`);
      }
    }
  }
  return unhydrated;
}

export const test = base.extend<{ consoleErrors: ConsoleErrors; _watch: Watch }>({
  _watch: [
    async ({ browser, context, javaScriptEnabled }, use) => {
      const watch: Watch = { errors: [], expected: [], jsContexts: [] };
      await watchContext(context, watch, javaScriptEnabled ?? true);
      const restore = watchNewContexts(browser, watch);
      let unhydrated: string[];
      try {
        await use(watch);
        unhydrated = await unhydratedPages(watch);
      } finally {
        restore();
      }
      // The console first: a panic there says why a page did not hydrate.
      const unexpected = watch.errors.filter((error) => !watch.expected.some((p) => p.test(error)));
      expect([...unexpected, ...unhydrated], "console errors, uncaught page errors, unhydrated pages").toEqual([]);
      // An expectation that nothing matched has gone stale: say so.
      const unseen = watch.expected.filter((p) => !watch.errors.some((error) => p.test(error)));
      expect(unseen.map(String), "declared console errors that never happened").toEqual([]);
    },
    { auto: true },
  ],
  consoleErrors: async ({ _watch }, use) => {
    await use({ expect: (pattern) => _watch.expected.push(pattern) });
  },
});

export { expect };
