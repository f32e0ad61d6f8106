import { defineConfig } from "@playwright/test";

// scripts/browser-tests.sh starts the built app at LEPTOS_SITE_ADDR (a free
// port, a throwaway Redis and database) and then runs this suite. Every test
// imports `test` from tests/fixtures.ts, which fails it on any console error
// and on any page that does not hydrate.
const siteAddr = process.env.LEPTOS_SITE_ADDR ?? "127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: `http://${siteAddr}`,
    trace: "retain-on-failure",
    launchOptions: {
      // Playwright cannot download its own browsers here: use Debian's.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium", headless: true } }],
});
