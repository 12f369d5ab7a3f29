import { expect, test } from "@playwright/test";
import { login, shot } from "./helpers";

test("証明書状態照会 shows admin01 as 期限間近", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01");
  await page.getByRole("link", { name: "管理" }).click();
  await page.getByRole("link", { name: "利用者管理" }).click();
  await page.getByRole("link", { name: "証明書状態照会" }).click();
  await expect(page.getByRole("heading", { name: "証明書状態照会" })).toBeVisible();
  await expect(page.locator("#count-expiring")).toHaveText("1");
  const row = page.getByRole("row", { name: /admin01/ });
  await expect(row).toContainText("期限間近");
  await expect(row).toContainText("残り");
  // Sorting by ログインID puts admin01 first.
  await page.getByRole("link", { name: "ログインID" }).click();
  await expect(page.locator("table.users tbody tr").first()).toContainText("admin01");
  await shot(page, testInfo, "21-status-overview");
});
