import type { FullConfig } from "@playwright/test";

// Wait until the app answers before the first test runs (scripts/browser-tests.sh
// waits for /readyz already; `cargo leptos end-to-end` starts both at once).
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0].use.baseURL as string;
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(baseURL + "/");
      if (res.ok) return;
      lastError = new Error(`status ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the app at ${baseURL} did not come up: ${lastError}`);
}
