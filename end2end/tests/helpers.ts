import { expect, Page, TestInfo } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";

export const LOGIN_PASSWORD = "Login-Pass-01";
export const CONFIRMATION_PASSWORD = "Kakunin-Pass-01";

export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.name === "js-on";
}

/** With JavaScript on, wait until the islands have hydrated (never a fixed sleep). */
export async function ready(page: Page, testInfo: TestInfo) {
  if (jsEnabled(testInfo)) {
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  }
}

/** Saves a screenshot as a test artifact, named by project and step. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const dir = path.join(__dirname, "..", "artifacts", testInfo.project.name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

export async function login(page: Page, testInfo: TestInfo, loginId: string, password = LOGIN_PASSWORD) {
  await page.goto("/login");
  await ready(page, testInfo);
  await page.getByLabel("ログインID").fill(loginId);
  await page.getByLabel("ログインパスワード").fill(password);
  await page.getByRole("button", { name: "ログイン" }).click();
}
