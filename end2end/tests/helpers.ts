import { expect, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

export function uniqueEmail(label: string): string {
  return `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Waits until the WASM bundle has hydrated the page, so clicks are handled by it. */
export async function waitForHydration(page: Page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 10_000 });
}

export async function fillCredentials(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
}

export async function signUp(page: Page, email: string) {
  await page.goto("/signup");
  await fillCredentials(page, email);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
}

/** Logs in through the login form; lands on the dashboard. */
export async function logIn(
  page: Page,
  email: string,
  { password = PASSWORD, remember = false }: { password?: string; remember?: boolean } = {},
) {
  await page.goto("/login");
  await fillCredentials(page, email, password);
  if (remember) await page.getByLabel("Remember me").check();
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
}

/** Another browser (its own cookie jar) logged in to `email`. */
export async function logInElsewhere(
  browser: Browser,
  email: string,
  options: { password?: string; remember?: boolean; contextOptions?: BrowserContextOptions } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options.contextOptions);
  const page = await context.newPage();
  await logIn(page, email, options);
  return { context, page };
}
