import { expect, test } from "@playwright/test";
import { login, ready, shot } from "./helpers";

test("master01 logs in, reaches 作業内容選択 and logs out", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "ホーム" })).toBeVisible();
  await expect(page.getByText("群馬 太郎").first()).toBeVisible();
  await expect(page.getByText("デモモード")).toBeVisible();
  await ready(page, testInfo);
  await shot(page, testInfo, "01-home");

  await page.getByRole("link", { name: "管理" }).click();
  await expect(page.getByRole("heading", { name: "業務選択" })).toBeVisible();
  await expect(page.getByText("BSSK001")).toBeVisible();
  await page.getByRole("link", { name: "利用者管理" }).click();
  await expect(page.getByRole("heading", { name: "作業内容選択" })).toBeVisible();
  await expect(page.getByText("BRSK001")).toBeVisible();
  await shot(page, testInfo, "02-brsk001");

  await page.getByRole("button", { name: "ログアウト" }).click();
  await expect(page).toHaveURL(/\/login\?notice=logged_out/);
  await expect(page.getByText("ログアウトしました。")).toBeVisible();
  // The session is over: 管理 sends back to the login screen.
  await page.goto("/kanri/users");
  await expect(page).toHaveURL(/\/login/);
});

test("a wrong password gets the message", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01", "Wrong-Pass-99");
  await expect(page.getByRole("alert")).toHaveText("ログインIDまたはログインパスワードが正しくありません。");
  await shot(page, testInfo, "03-login-error");
});

test("sachikodt cannot open 管理", async ({ page }, testInfo) => {
  await login(page, testInfo, "sachikodt");
  await expect(page.getByRole("heading", { name: "ホーム" })).toBeVisible();
  await expect(page.getByRole("link", { name: "管理" })).toHaveCount(0);
  const response = await page.goto("/kanri");
  expect(response?.status()).toBe(403);
  await expect(page.getByText("この画面を利用する権限がありません。")).toBeVisible();
  await shot(page, testInfo, "04-forbidden");
});
