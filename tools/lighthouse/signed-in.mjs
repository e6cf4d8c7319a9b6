// Runs Lighthouse on one page as a signed-in user: starts Debian's Chromium, puts the session
// cookie in the browser's cookie jar (as a sign-in would), then runs Lighthouse in that browser.
// (Lighthouse's --extra-headers Cookie is not sent on the page's CORS-mode requests, such as
// the review's preloaded charts request, which would then be refused with 401.)
//
//   node signed-in.mjs URL COOKIE_NAME COOKIE_VALUE OUTPUT.json [--preset=desktop]
import fs from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

const [url, name, value, output, preset] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: (process.env.CHROME_FLAGS || '').split(' ').filter(Boolean),
});
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  await browser.setCookie({ name, value, url: new URL(url).origin, httpOnly: true, sameSite: 'Lax' });
  await browser.disconnect();
  const config = preset === '--preset=desktop' ? desktopConfig : undefined;
  const result = await lighthouse(
    url,
    {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
    },
    config,
  );
  fs.writeFileSync(output, result.report);
} finally {
  await chrome.kill();
}
