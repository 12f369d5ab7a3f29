// kanri end-to-end tests: Debian's Chromium (never a downloaded browser),
// once with JavaScript on and once with it off. Each project gets its own
// server and its own fresh demo database, so the two runs cannot disturb
// each other.
import { defineConfig } from "@playwright/test";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const binary = process.env.KANRI_E2E_BINARY ?? path.join(root, "target/debug/kanri-server");
const siteRoot = process.env.KANRI_E2E_SITE_ROOT ?? path.join(root, "target/site");
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Each server's data folder: known to the tests (the demo .p12 files are
 * there), and emptied by the server's own start command, because this file
 * is evaluated again in every worker. */
export function dataDir(port: number): string {
  return path.join(os.tmpdir(), `kanri-e2e-${port}`);
}

/** The HTTPS listener of the server on `port` (client certificates). */
export function httpsPort(port: number): number {
  return port + 10;
}

function server(port: number) {
  const data = dataDir(port);
  return {
    command: `rm -rf ${data} && mkdir -p ${data} && ${binary} serve --demo`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_OUTPUT_NAME: "kanri",
      KANRI_DATA_DIR: data,
      KANRI_TLS_ADDR: `127.0.0.1:${httpsPort(port)}`,
      RUST_LOG: "warn",
    },
  };
}

const jsOn = { baseURL: "http://127.0.0.1:3101", javaScriptEnabled: true };
const jsOff = { baseURL: "http://127.0.0.1:3102", javaScriptEnabled: false };

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
  // The certificate flows change the demo data the other tests expect
  // (admin01 is no longer 期限間近 once renewed), so they run after them,
  // against the same server.
  projects: [
    { name: "js-on", use: jsOn, testIgnore: /certificates\.spec/ },
    { name: "js-off", use: jsOff, testIgnore: /certificates\.spec/ },
    { name: "js-on-certificates", use: jsOn, testMatch: /certificates\.spec/, dependencies: ["js-on"] },
    { name: "js-off-certificates", use: jsOff, testMatch: /certificates\.spec/, dependencies: ["js-off"] },
  ],
  webServer: [server(3101), server(3102)],
});
