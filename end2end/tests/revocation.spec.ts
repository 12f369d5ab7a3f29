import { expect, Page, test } from "@playwright/test";
import { CONFIRMATION_PASSWORD, login, ready, shot } from "./helpers";

// One revocation per project's database, in this order.
test.describe.configure({ mode: "serial" });

async function openConfirmation(page, testInfo, loginId: string) {
  await page.getByRole("link", { name: "管理" }).click();
  await page.getByRole("link", { name: "利用者管理" }).click();
  await page.getByRole("link", { name: "証明書失効" }).click();
  await expect(page.getByRole("heading", { name: "利用者一覧" })).toBeVisible();
  await page.getByRole("radio", { name: loginId }).check();
  await page.getByRole("button", { name: "失効" }).click();
  await expect(page.getByRole("heading", { name: "証明書失効確認" })).toBeVisible();
  await ready(page, testInfo);
}

test("a wrong 確認用パスワード shows its message and changes nothing", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01");
  await openConfirmation(page, testInfo, "sachikodt");
  const field = page.getByLabel("確認用パスワード");
  await expect(field).toHaveAttribute("type", "password");
  await expect(field).toHaveAttribute("autocomplete", "off");
  await field.fill("Wrong-Pass-99");
  await page.getByRole("button", { name: "実行" }).click();
  await expect(page.getByRole("alert")).toHaveText("確認用パスワードが正しくありません。");
  // The refusal takes the focus, so a screen reader reads it first.
  await expect(page.getByRole("alert")).toBeFocused();
  await expect(page.getByText("あと5回誤ると")).toBeVisible();
  await expect(page.getByRole("cell", { name: "発行済み" })).toBeVisible();
  await shot(page, testInfo, "11-wrong-confirmation-password");
});

test("master01 revokes sachikodt from login to result, and the list shows 失効済み", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01");
  await page.getByRole("link", { name: "管理" }).click();
  await page.getByRole("link", { name: "利用者管理" }).click();
  await page.getByRole("link", { name: "証明書失効" }).click();
  await expect(page.getByText("BRSK018")).toBeVisible();
  // 失効 with nothing selected gets a message.
  await page.getByRole("button", { name: "失効" }).click();
  await expect(page.getByRole("alert")).toHaveText("証明書を失効する利用者を選択してください。");
  await shot(page, testInfo, "12-brsk018-list");

  await page.getByRole("radio", { name: "sachikodt" }).check();
  await page.getByRole("button", { name: "失効" }).click();
  await expect(page.getByText("BRSK019")).toBeVisible();
  await expect(page.getByRole("cell", { name: "データ専子" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "発行済み" })).toBeVisible();
  await ready(page, testInfo);
  await shot(page, testInfo, "13-brsk019-confirm");

  await page.getByLabel("確認用パスワード").fill(CONFIRMATION_PASSWORD);
  await page.getByRole("button", { name: "実行" }).click();
  await expect(page.getByRole("heading", { name: "証明書失効結果" })).toBeVisible();
  await expect(page.locator("#certificate-status")).toHaveText("失効済み");
  await expect(page.getByText("ID・パスワードによるログイン方式へは変更になりません")).toBeVisible();
  await shot(page, testInfo, "14-result");

  // Reload repeats nothing and shows no error.
  const reloaded = await page.reload();
  expect(reloaded?.status()).toBe(200);
  await expect(page.locator("#certificate-status")).toHaveText("失効済み");

  await page.goto("/kanri/users/revoke");
  const row = page.getByRole("row", { name: /sachikodt/ });
  await expect(row).toContainText("失効済み");
  await expect(row.getByRole("radio")).toHaveCount(0);
  await shot(page, testInfo, "15-list-after");

  await page.getByRole("link", { name: "ホーム" }).click();
  await expect(page.getByRole("heading", { name: "ホーム" })).toBeVisible();
});

/** Presses Tab until the focused element is the one `wanted` names, and
 * returns what got focus on the way (tag and accessible text), in order. */
async function tabTo(page: Page, wanted: (el: Element) => boolean, limit = 60): Promise<string[]> {
  const visited: string[] = [];
  const matcher = wanted.toString();
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const [label, hit] = await page.evaluate((source) => {
      const el = document.activeElement!;
      const test = new Function(`return (${source})`)() as (el: Element) => boolean;
      const text = (el as HTMLInputElement).value && el.tagName === "INPUT" && (el as HTMLInputElement).type === "radio"
        ? `radio:${(el as HTMLInputElement).value}`
        : `${el.tagName.toLowerCase()}:${(el.textContent ?? "").trim() || el.getAttribute("name") || ""}`;
      return [text, test(el)] as [string, boolean];
    }, matcher);
    visited.push(label);
    if (hit) return visited;
  }
  throw new Error(`not reached by Tab: ${visited.join(" → ")}`);
}

test("keyboard alone: from ホーム to 実行, in a logical order", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01");
  await expect(page.getByRole("heading", { name: "ホーム" })).toBeVisible();
  await ready(page, testInfo);
  // ホーム → 管理 → 利用者管理 → 証明書失効, each link reached by Tab and followed by Enter.
  for (const [link, path] of [
    ["管理", "/kanri"],
    ["利用者管理", "/kanri/users"],
    ["証明書失効", "/kanri/users/revoke"],
  ]) {
    await tabTo(page, new Function("el", `return el.tagName === "A" && el.textContent.trim() === ${JSON.stringify(link)}`) as any);
    // Enter follows the link: wait for the next screen before pressing on.
    await Promise.all([page.waitForURL((url) => url.pathname === path), page.keyboard.press("Enter")]);
    await ready(page, testInfo);
  }
  await expect(page.getByRole("heading", { name: "利用者一覧" })).toBeVisible();
  // Tab reaches the group of radios once; the arrow keys move through it
  // (and select) in the table's order; the next Tab is 失効.
  await tabTo(page, (el) => el.tagName === "INPUT" && (el as HTMLInputElement).type === "radio");
  const rows = await page.locator("table.users input[type=radio]").evaluateAll((els) =>
    els.map((el) => (el as HTMLInputElement).value),
  );
  const focused = () => page.evaluate(() => (document.activeElement as HTMLInputElement).value);
  const seen = [await focused()];
  while (seen[seen.length - 1] !== "logid031" && seen.length <= rows.length) {
    await page.keyboard.press("ArrowDown");
    seen.push(await focused());
  }
  expect(seen).toEqual(rows.slice(0, seen.length));
  await expect(page.getByRole("radio", { name: "logid031" })).toBeChecked();
  const toButton = await tabTo(page, (el) => el.tagName === "BUTTON" && (el.textContent ?? "").trim() === "失効");
  expect(toButton).toHaveLength(1);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "証明書失効確認" })).toBeVisible();
  await ready(page, testInfo);
  // The password field, then 実行.
  await tabTo(page, (el) => el.tagName === "INPUT" && (el as HTMLInputElement).name === "confirmation_password");
  await page.keyboard.type(CONFIRMATION_PASSWORD);
  await tabTo(page, (el) => el.tagName === "BUTTON" && (el.textContent ?? "").trim() === "実行");
  await page.keyboard.press("Enter");
  await expect(page.locator("#certificate-status")).toHaveText("失効済み");
});

test("操作履歴照会 shows the revocation of sachikodt", async ({ page }, testInfo) => {
  await login(page, testInfo, "master01");
  await page.getByRole("link", { name: "管理" }).click();
  await page.getByRole("link", { name: "操作履歴照会" }).click();
  await expect(page.getByRole("heading", { name: "操作履歴照会" })).toBeVisible();
  await page.getByLabel("操作内容").selectOption({ label: "証明書失効" });
  await page.getByRole("button", { name: "絞り込み" }).click();
  const row = page.getByRole("row", { name: /sachikodt/ }).filter({ hasText: "成功" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("master01");
  await shot(page, testInfo, "16-history");
});

test("with JavaScript, a second submit of 実行 is swallowed, and no CSP violation occurs", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "js-on", "the island only acts with JavaScript");
  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(e.message));
  await login(page, testInfo, "master01");
  await page.goto("/kanri/users/revoke/confirm?login_id=expired01");
  await ready(page, testInfo);
  await page.getByLabel("確認用パスワード").fill(CONFIRMATION_PASSWORD);
  // Two submits back to back (what a double click or a double Enter does):
  // the island lets the first through and cancels the second.
  const prevented = await page.evaluate(() => {
    const form = document.querySelector("input[name=serial]")!.closest("form")!;
    const seen: boolean[] = [];
    document.addEventListener("submit", (e) => seen.push(e.defaultPrevented));
    form.requestSubmit();
    form.requestSubmit();
    return seen;
  });
  expect(prevented).toEqual([false, true]);
  await expect(page.getByRole("heading", { name: "証明書失効結果" })).toBeVisible();
  expect(violations).toEqual([]);
});
