// Runs axe-core (WCAG 2.0/2.1 A and AA rules) inside headless Chromium on each URL given, at 1280 and
// 390 px, and checks that no page scrolls sideways and that text in another language than the page
// carries its `lang`. Exit status 1 on any violation. The pinned packages (axe-core 4.14.1,
// playwright-core 1.65.1) live in $AXE_DIR/node_modules (./scripts/setup-deps.sh --browser installs
// them into target/axe).
//
// The language check: $LANG_TEXTS names a JSON file {"en": [...], "sv": [...], "unknown": [...]} of
// the data's literals in each language (texts found in both languages left out) and of the texts
// whose language the data does not tell (plain literals, texts in both). On a page in one language,
// every text node that is one of the other language's literals, or contains one of at least 16
// characters, must sit inside an element whose `lang` is that language; a text node that is
// itself one of the unknown texts is left alone.
// With $SHOTS set, a screenshot of each URL at each width goes to $SHOTS/<n>-<width>.png.
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const dir = path.resolve(process.env.AXE_DIR || 'target/axe');
const require = createRequire(path.join(dir, 'package.json'));
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(path.join(dir, 'node_modules/axe-core/axe.min.js'), 'utf8');
const texts = process.env.LANG_TEXTS
  ? JSON.parse(fs.readFileSync(process.env.LANG_TEXTS, 'utf8'))
  : null;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
let failed = false;
for (const url of process.argv.slice(2)) {
  for (const width of [1280, 390]) {
    // bypassCSP: the pages' Content-Security-Policy forbids injected scripts, axe is one.
    const page = await browser.newPage({ viewport: { width, height: 900 }, bypassCSP: true });
    const response = await page.goto(url);
    if (!response || response.status() >= 400) {
      failed = true;
      console.log(`${url}: status ${response ? response.status() : 'none'}`);
    }
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() =>
      axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      }),
    );
    const sideways = await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= w) return null;
      // The innermost elements that stick out, to say where.
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const right = el.getBoundingClientRect().right;
        const child = [...el.children].some((c) => c.getBoundingClientRect().right > w + 1);
        if (right > w + 1 && !child) out.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}"`);
      }
      return out.slice(0, 3).join(' | ');
    });
    if (sideways !== null) {
      failed = true;
      console.log(`${url} at ${width} px scrolls sideways: ${sideways}`);
    }
    for (const v of result.violations) {
      failed = true;
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
      console.log(`${url} at ${width} px: ${v.id} (${v.impact}, ${v.nodes.length}): ${where}`);
    }
    if (texts && width === 1280) {
      const unmarked = await page.evaluate((texts) => {
        const pageLang = (document.documentElement.lang || '').slice(0, 2);
        const norm = (s) => s.replace(/\s+/g, ' ').trim();
        const found = [];
        const unknown = new Set((texts.unknown || []).map(norm));
        for (const [lang, list] of Object.entries(texts)) {
          if (lang === pageLang || lang === 'unknown') continue;
          const exact = new Set(list.map(norm));
          const long = list.map(norm).filter((s) => s.length >= 16);
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = norm(node.data);
            if (text.length < 2) continue;
            const parent = node.parentElement;
            if (!parent || parent.closest('script, style, textarea, code, pre, svg title')) continue;
            if (unknown.has(text)) continue;
            if (!exact.has(text) && !long.some((s) => text.includes(s))) continue;
            const marked = parent.closest('[lang]');
            const have = marked ? marked.getAttribute('lang').slice(0, 2) : '';
            if (have !== lang) found.push(`${lang} text in ${parent.tagName.toLowerCase()} with lang="${have}": "${text.slice(0, 50)}"`);
          }
        }
        return found;
      }, texts);
      if (unmarked.length > 0) {
        failed = true;
        console.log(`${url}: ${unmarked.length} texts lack their lang: ${unmarked.slice(0, 4).join(' | ')}`);
      }
    }
    if (process.env.SHOTS && process.env.SHOT_NAMES) {
      const names = process.env.SHOT_NAMES.split(',');
      const name = names[process.argv.slice(2).indexOf(url)];
      if (name) await page.screenshot({ path: path.join(process.env.SHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.close();
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
