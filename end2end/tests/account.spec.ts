import { expect, test } from "./fixtures";
import type { Page } from "@playwright/test";
import {
  fillCredentials,
  logWorkout,
  logInElsewhere,
  PASSWORD,
  signUp,
  uniqueEmail,
  waitForHydration,
} from "./helpers";

const NEW_PASSWORD = "brand new horse staple";
const LOGIN_AGAIN = /\/login\?next=%2Fdashboard$/;

function sessions(page: Page) {
  return page.getByTestId("session");
}

/** The listed session that is not this browser's. */
function otherSession(page: Page) {
  return sessions(page).filter({ hasNot: page.getByTestId("this-device") });
}

async function openAccount(page: Page) {
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Your sessions" })).toBeVisible();
}

test("revoking another session logs that browser out at its next request", async ({
  page,
  browser,
  consoleErrors,
}) => {
  // The revoked browser's next request is refused.
  consoleErrors.expect(/status of 401/);
  const email = uniqueEmail("revoke");
  await signUp(page, email);
  const other = await logInElsewhere(browser, email, { remember: true });
  await waitForHydration(other.page);

  // The nav bar leads to the account page.
  await waitForHydration(page);
  await page.getByRole("link", { name: "Account", exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);

  await expect(sessions(page)).toHaveCount(2);
  await expect(page.getByTestId("this-device")).toHaveCount(1);
  const current = page.locator('[data-testid="session"][data-current="true"]');
  await expect(current).toHaveCount(1);
  await expect(current).toContainText("This device");
  await expect(current).toContainText("Signed in ");
  await expect(current).toContainText("Last active ");
  // Only the other browser ticked "Remember me"; this one has nothing to revoke itself.
  await expect(otherSession(page).getByTestId("remembered")).toHaveText("Remembered");
  await expect(current.getByTestId("remembered")).toHaveCount(0);
  await expect(current.getByRole("button", { name: "Revoke" })).toHaveCount(0);

  await otherSession(page).getByRole("button", { name: "Revoke" }).click();
  await expect(sessions(page)).toHaveCount(1);
  await expect(sessions(page)).toHaveAttribute("data-current", "true");
  await expect(page.getByTestId("audit-event").filter({ hasText: "Session revoked" })).not.toHaveCount(0);

  // The other browser still shows its dashboard, but its next request is refused
  // and the app sends it to log in.
  await logWorkout(other.page, [{ exercise: "Run", sets: [{ distance: "5" }] }]);
  await expect(other.page).toHaveURL(LOGIN_AGAIN);
  // And a full page load agrees.
  await other.page.goto("/dashboard");
  await expect(other.page).toHaveURL(LOGIN_AGAIN);

  // This browser is still logged in.
  await page.reload();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await other.context.close();
});

test("logging out everywhere else ends every other session but this one", async ({ page, browser }) => {
  const email = uniqueEmail("others");
  await signUp(page, email);
  const other = await logInElsewhere(browser, email);

  await openAccount(page);
  await waitForHydration(page);
  await expect(sessions(page)).toHaveCount(2);
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await expect(page.getByTestId("log-out-others").getByRole("status")).toHaveText(
    "Logged out 1 other session.",
  );
  await expect(sessions(page)).toHaveCount(1);
  await expect(page.getByTestId("this-device")).toBeVisible();
  await expect(
    page.getByTestId("audit-event").filter({ hasText: "Logged out everywhere else" }),
  ).not.toHaveCount(0);

  await other.page.goto("/dashboard");
  await expect(other.page).toHaveURL(LOGIN_AGAIN);

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
  await other.context.close();
});

test("changing the password keeps this session, ends the others and replaces the old password", async ({
  page,
  browser,
  consoleErrors,
}) => {
  // The old password, tried in a fresh browser.
  consoleErrors.expect(/status of 401/);
  const email = uniqueEmail("password");
  await signUp(page, email);
  const other = await logInElsewhere(browser, email);

  await openAccount(page);
  await waitForHydration(page);
  await expect(sessions(page)).toHaveCount(2);
  const form = page.getByTestId("change-password");
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill(NEW_PASSWORD);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("status")).toHaveText(
    "Your password was changed. Every other session was logged out.",
  );
  // Nothing typed stays in the page, and the lists are fresh.
  await expect(form.getByLabel("Current password")).toHaveValue("");
  await expect(form.getByLabel("New password")).toHaveValue("");
  await expect(sessions(page)).toHaveCount(1);
  await expect(page.getByTestId("audit-event").filter({ hasText: "Password changed" })).not.toHaveCount(0);

  await other.page.goto("/dashboard");
  await expect(other.page).toHaveURL(LOGIN_AGAIN);
  await other.context.close();

  // This browser stays logged in (under its new session id).
  await page.reload();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await expect(page.getByTestId("this-device")).toBeVisible();

  // In a fresh browser the old password is refused and the new one works.
  const fresh = await browser.newContext();
  const freshPage = await fresh.newPage();
  await freshPage.goto("/login");
  await waitForHydration(freshPage);
  await fillCredentials(freshPage, email, PASSWORD);
  await freshPage.getByRole("button", { name: "Log in" }).click();
  await expect(freshPage.getByRole("alert")).toHaveText("Invalid email or password");
  await expect(freshPage).toHaveURL(/\/login/);
  await fillCredentials(freshPage, email, NEW_PASSWORD);
  await freshPage.getByRole("button", { name: "Log in" }).click();
  await expect(freshPage).toHaveURL(/\/dashboard$/);
  await expect(freshPage.getByTestId("dashboard-email")).toHaveText(email);
  await fresh.close();
});

test("deleting the account logs out and the account is gone", async ({ page, consoleErrors }) => {
  // A wrong confirmation password, then a login to the deleted account.
  consoleErrors.expect(/status of 422/);
  consoleErrors.expect(/status of 401/);
  const email = uniqueEmail("delete");
  await signUp(page, email);
  await openAccount(page);
  await waitForHydration(page);

  const form = page.getByTestId("delete-account");
  await form.getByLabel("Password to confirm").fill("not the password");
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(form.getByRole("alert")).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);

  await form.getByLabel("Password to confirm").fill(PASSWORD);
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("nav-email")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Log in" }).first()).toBeVisible();

  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await waitForHydration(page);
  await fillCredentials(page, email, PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("revoking another session is a plain form post back to the account page", async ({
    page,
    browser,
  }) => {
    const email = uniqueEmail("nojs-revoke");
    await signUp(page, email);
    const other = await logInElsewhere(browser, email, {
      contextOptions: { javaScriptEnabled: false },
    });

    await openAccount(page);
    await expect(sessions(page)).toHaveCount(2);
    await otherSession(page).getByRole("button", { name: "Revoke" }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(sessions(page)).toHaveCount(1);
    await expect(page.getByTestId("this-device")).toBeVisible();

    await other.page.goto("/dashboard");
    await expect(other.page).toHaveURL(LOGIN_AGAIN);
    await other.context.close();
  });
});
