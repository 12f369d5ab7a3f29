// kanri end-to-end tests: Debian's Chromium (never a downloaded browser),
// once with JavaScript on and once with it off. Each project gets its own
// server and its own fresh demo database, so the two runs cannot disturb
// each other.
import { defineConfig } from "@playwright/test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const binary = process.env.KANRI_E2E_BINARY ?? path.join(root, "target/debug/kanri-server");
const siteRoot = process.env.KANRI_E2E_SITE_ROOT ?? path.join(root, "target/site");
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function server(port: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kanri-e2e-${port}-`));
  return {
    command: `${binary} serve --demo`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_OUTPUT_NAME: "kanri",
      KANRI_DATA_DIR: dataDir,
      RUST_LOG: "warn",
    },
  };
}

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    launchOptions: {
      executablePath: chromium,
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
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
  },
  projects: [
    { name: "js-on", use: { baseURL: "http://127.0.0.1:3101", javaScriptEnabled: true } },
    { name: "js-off", use: { baseURL: "http://127.0.0.1:3102", javaScriptEnabled: false } },
  ],
  webServer: [server(3101), server(3102)],
});
