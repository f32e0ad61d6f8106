import { expect, test } from "./fixtures";
import { followMailLink, logInElsewhere, PASSWORD, signUp, uniqueEmail, waitForHydration } from "./helpers";

const NEW_PASSWORD = "brand new horse staple";

test("a forgotten password is reset from the emailed link, and other browsers are logged out", async ({
  page,
  browser,
  consoleErrors,
}) => {
  // The other browser's next request is refused.
  consoleErrors.expect(/status of 401/);
  const email = uniqueEmail("forgot");
  await signUp(page, email);
  const other = await logInElsewhere(browser, email);
  await waitForHydration(other.page);

  const context = await browser.newContext();
  const forgetful = await context.newPage();
  await forgetful.goto("/login");
  await waitForHydration(forgetful);
  await forgetful.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(forgetful).toHaveURL(/\/forgot-password$/);
  await forgetful.getByLabel("Email").fill(email);
  await forgetful.getByRole("button", { name: "Send reset link" }).click();
  await expect(forgetful.getByTestId("reset-sent")).toBeVisible();

  await followMailLink(forgetful, email, "Reset your Workout log password");
  await expect(forgetful).toHaveURL(/\/reset-password\?token=/);
  await waitForHydration(forgetful);
  await forgetful.getByLabel("New password").fill(NEW_PASSWORD);
  await forgetful.getByRole("button", { name: "Set new password" }).click();
  await expect(forgetful).toHaveURL(/\/dashboard$/);
  await expect(forgetful.getByTestId("dashboard-email")).toHaveText(email);

  // The browser that was logged in is sent to log in at its next action.
  await other.page.getByRole("link", { name: "Account", exact: true }).click();
  await expect(other.page).toHaveURL(/\/login\?next=/);
  await other.context.close();
  await context.close();
});

test("the dashboard asks to confirm the address until the emailed link is followed", async ({ page }) => {
  const email = uniqueEmail("confirm");
  await signUp(page, email);
  const banner = page.getByTestId("confirm-email-banner");
  await expect(banner).toContainText("Confirm your email");
  await expect(banner).toContainText(email);
  await waitForHydration(page);
  await banner.getByRole("button", { name: "Send again" }).click();
  await expect(banner.getByRole("status")).toHaveText("Sent: check your inbox.");

  await followMailLink(page, email, "Confirm your email address");
  await expect(page).toHaveURL(/\/confirm-email\?token=/);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page.getByTestId("email-confirmed")).toHaveText("Your email address is confirmed.");
  await page.getByRole("link", { name: "Go to your dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("dashboard-email")).toHaveText(email);
  await expect(page.getByTestId("confirm-email-banner")).toHaveCount(0);
});

test("the email address changes once the link sent to the new address is followed", async ({ page }) => {
  const email = uniqueEmail("change");
  const newEmail = uniqueEmail("changed");
  await signUp(page, email);
  await page.goto("/account");
  await waitForHydration(page);
  const form = page.getByTestId("change-email");
  await form.getByLabel("New email address").fill(newEmail);
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByRole("button", { name: "Change email" }).click();
  await expect(page.getByTestId("email-change-sent")).toContainText(newEmail);
  await expect(page.getByTestId("pending-email")).toContainText(newEmail);
  await expect(page.getByTestId("account-email")).toHaveText(email);

  await followMailLink(page, newEmail, "Confirm your new email address");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page.getByTestId("email-confirmed")).toBeVisible();
  await expect(page.getByTestId("nav-email")).toHaveText(newEmail);
  await page.goto("/account");
  await expect(page.getByTestId("account-email")).toHaveText(newEmail);
  await expect(page.getByTestId("email-status")).toContainText("(confirmed)");
});
