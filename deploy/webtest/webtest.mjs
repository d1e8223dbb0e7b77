// Drives faqbot's web chat page in headless Chromium: node webtest.mjs URL OUTDIR
// (answers, runner-ups, votes, English, the full article, example-question
// buttons, an unsure reply's suggestion buttons, and a 390 px phone viewport).
import { chromium } from "playwright-core";
import { strict as assert } from "node:assert";
import path from "node:path";

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) {
  console.error("usage: node webtest.mjs URL OUTDIR");
  process.exit(2);
}

// Questions to try until the engine offers a runner-up for one; the page
// must let the user click it.
const candidates = [
  "跨省家庭共济怎么办理", "异地就医", "医保卡丢了怎么办", "新农合和居民医保有什么区别", "生孩子医保能报销多少",
  "灵活就业怎么交医保", "起付线是什么", "上海医保卡余额为零还能用吗", "住院怎么报销", "医保个人账户的钱能取出来吗",
  "学生保险和医保", "医保断缴了怎么办", "盐城医保在昆山能用吗", "职工医保和居民医保的区别", "家庭共济",
];

async function pickQuestion() {
  for (const q of candidates) {
    const r = await fetch(new URL("/api/ask", base), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" },
      body: JSON.stringify({ question: q }),
    });
    assert.equal(r.status, 200, `POST /api/ask ${q}: ${r.status}`);
    const a = await r.json();
    if (a.answered && a.alternatives.length > 0) return a;
  }
  throw new Error("no candidate question has a runner-up: cannot test clicking one");
}

// Questions the knowledge base does not cover: the engine must be unsure of
// one (in English, the page's language when it is asked) for the page to
// show its suggestions.
const uncovered = [
  "Is insulin covered by Chinese medical insurance?",
  "How much is the resident medical insurance premium in Sichuan for 2024?",
  "Is diabetes covered by medical insurance?",
];

async function pickUnsure() {
  for (const q of uncovered) {
    const r = await fetch(new URL("/api/ask", base), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" },
      body: JSON.stringify({ question: q, lang: "en" }),
    });
    const a = await r.json();
    if (a.reason === "unsure" && a.alternatives.length > 0) return a;
  }
  throw new Error("the engine is unsure of no uncovered question: cannot test its suggestions");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const problems = [];
try {
  const expected = await pickQuestion();
  const page = await browser.newPage({ locale: "zh-CN", viewport: { width: 900, height: 1000 } });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });

  await page.goto(base, { waitUntil: "load" });
  assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");

  // Ask by typing, as a person would.
  const box = page.getByLabel("请输入您的医保问题");
  await box.fill(expected.question);
  await page.getByRole("button", { name: "提问" }).click();
  const first = page.locator("article.answer").nth(0);
  await first.waitFor({ timeout: 10000 });
  assert.equal(await first.locator("h2").textContent(), expected.title, "answer title");
  assert.match(await first.locator(".snippet").textContent(), /\S/, "passage shown");
  assert.match(await first.locator(".meta").first().textContent(), /适用地区: .+ · 更新: \d{4}-\d\d-\d\d/, "region and date");
  assert.equal(await first.getByRole("note").textContent(), expected.disclaimer, "disclaimer");
  console.log(`answered: ${expected.title}`);

  // Vote: the button says it is pressed and thanks the user.
  await first.getByRole("button", { name: "有帮助" }).click();
  await first.getByText("谢谢您的反馈！").waitFor();
  assert.equal(await first.getByRole("button", { name: "有帮助" }).getAttribute("aria-pressed"), "true");

  // Click the runner-up: a second answer with its title appears.
  const alt = expected.alternatives[0];
  await first.getByRole("button", { name: alt.title }).click();
  const second = page.locator("article.answer").nth(1);
  await second.waitFor({ timeout: 10000 });
  assert.equal(await second.locator("h2").textContent(), alt.title, "runner-up answer title");
  assert.equal(await second.getAttribute("data-id"), alt.id);
  console.log(`runner-up: ${alt.title}`);

  // Switch to English; the labels change and answers come in English.
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await page.locator("html").getAttribute("lang"), "en");
  await page.getByLabel("Your question about Chinese medical insurance").fill("医保卡丢了怎么办");
  await page.keyboard.press("Enter");
  const third = page.locator("article.answer").nth(2);
  await third.waitFor({ timeout: 10000 });
  assert.equal(await third.getAttribute("lang"), "en");
  assert.match(await third.getByRole("note").textContent(), /reference only/, "English disclaimer");
  assert.match(await third.locator(".meta").first().textContent(), /Region: .+ · Updated: /);

  // The full article opens in place.
  await third.getByText("Read the whole article").click();
  await third.locator("details h3").first().waitFor({ timeout: 10000 });

  // Accessibility basics: every button has a name, the log is live.
  const unnamed = await page.locator("button").evaluateAll((bs) =>
    bs.filter((b) => !(b.getAttribute("aria-label") || b.textContent.trim())).length);
  assert.equal(unnamed, 0, "buttons without an accessible name");
  assert.equal(await page.locator("#log").getAttribute("aria-live"), "polite");

  // A greeting lists example questions as buttons; one click asks it.
  await page.getByLabel("Your question about Chinese medical insurance").fill("hello");
  await page.keyboard.press("Enter");
  const greeting = page.locator("article.answer").nth(3);
  await greeting.waitFor({ timeout: 10000 });
  const example = greeting.locator(".examples button").first();
  const exampleText = await example.textContent();
  await example.click();
  const fourth = page.locator("article.answer").nth(4);
  await fourth.waitFor({ timeout: 10000 });
  assert.equal(await fourth.locator("h2").textContent(), exampleText, "an example button asks its question");
  console.log(`example button: ${exampleText}`);

  // An unsure reply: the honest sentence and the hand-off as text, the
  // suggestions as buttons (not also as a numbered list), the disclaimer as
  // the note, no vote; a suggestion button asks for its article.
  const unsure = await pickUnsure();
  await page.getByLabel("Your question about Chinese medical insurance").fill(unsure.question);
  await page.keyboard.press("Enter");
  const fifth = page.locator("article.answer").nth(5);
  await fifth.waitFor({ timeout: 10000 });
  const text = await fifth.locator(".text").allTextContents();
  assert.match(text.join("\n"), /I don't have an article that answers this exactly/, "honest sentence");
  assert.match(text.join("\n"), /12393/, "hand-off");
  assert.doesNotMatch(text.join("\n"), /^1\. /m, "suggestions listed as text too");
  assert.equal(await fifth.getByRole("note").textContent(), unsure.disclaimer, "unsure disclaimer");
  assert.equal(await fifth.locator(".vote").count(), 0, "vote under an unsure reply");
  const suggestions = fifth.locator("nav.alts button");
  assert.deepEqual(await suggestions.allTextContents(), unsure.alternatives.map((x) => x.title), "suggestion buttons");
  await suggestions.first().click();
  const sixth = page.locator("article.answer").nth(6);
  await sixth.waitFor({ timeout: 10000 });
  assert.equal(await sixth.getAttribute("data-id"), unsure.alternatives[0].id, "a suggestion button asks for its article");
  console.log(`unsure: ${unsure.alternatives.length} suggestion buttons; clicked ${unsure.alternatives[0].id}`);

  // On a 390 px phone the language button stays on one line.
  const phone = await browser.newPage({ locale: "en-US", viewport: { width: 390, height: 844 } });
  phone.on("pageerror", (e) => problems.push(`page error (390 px): ${e.message}`));
  await phone.goto(base, { waitUntil: "load" });
  const toggle = phone.getByRole("button", { name: "中文" });
  const lines = await toggle.evaluate((b) => {
    const lh = parseFloat(getComputedStyle(b).lineHeight);
    const cs = getComputedStyle(b);
    const inner = b.getBoundingClientRect().height - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom) - parseFloat(cs.borderTopWidth) - parseFloat(cs.borderBottomWidth);
    return Math.round(inner / lh);
  });
  assert.equal(lines, 1, "the 中文 button wraps at 390 px");
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, "the page scrolls sideways at 390 px");
  await phone.screenshot({ path: path.join(outDir, "webtest-390.png"), fullPage: true });
  console.log("390 px: language button on one line");

  const shot = path.join(outDir, "webtest.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.deepEqual(problems, [], "browser errors (CSP violations show here)");
  console.log(`ok: screenshot ${shot}`);
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  for (const p of problems) console.error(p);
  process.exitCode = 1;
} finally {
  await browser.close();
}
