// Drives faqbot's web chat page and the curator console in headless
// Chromium: node webtest.mjs URL OUTDIR [SHOTS ADMIN_TOKEN]
// (answers, runner-ups, votes, English, the full article, example-question
// buttons, an unsure reply's suggestion buttons, the landing's topics and
// examples, a Traditional question, a 390 px phone viewport; with a token,
// signing in to the console and its four pages). Every page at 1280 and
// 390 px is saved to SHOTS; no page may log a console error.
import { chromium } from "playwright-core";
import { strict as assert } from "node:assert";
import path from "node:path";

const [base, outDir, shotsDir, adminToken] = process.argv.slice(2);
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

// watch records a page's errors and console errors (CSP violations show
// there): the test fails on any.
function watch(p, name) {
  p.on("pageerror", (e) => problems.push(`${name}: page error: ${e.message}`));
  p.on("console", (m) => { if (m.type() === "error") problems.push(`${name}: console: ${m.text()}`); });
}

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const expected = await pickQuestion();
  const page = await browser.newPage({ locale: "zh-CN", viewport: { width: 900, height: 1000 } });
  watch(page, "chat");

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
  // The disclaimer: one short line, the full text on demand.
  const note = first.getByRole("note");
  assert.ok((await note.textContent()).includes(expected.disclaimer), "disclaimer");
  assert.equal(await note.locator("p").isVisible(), false, "the full disclaimer is folded");
  await note.locator("summary").click();
  assert.equal(await note.locator("p").isVisible(), true, "the full disclaimer opens");
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
  assert.ok((await fifth.getByRole("note").textContent()).includes(unsure.disclaimer), "unsure disclaimer");
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

  // The landing at 1280 and 390 px: topic buttons open their questions, an
  // example asks itself, the hotline is named; a Traditional question gets
  // Traditional labels; each answer scrolls into view.
  for (const width of [1280, 390]) {
    const p = await browser.newPage({ locale: "zh-CN", viewport: { width, height: width > 500 ? 900 : 844 } });
    watch(p, `chat ${width}`);
    await p.goto(base, { waitUntil: "load" });
    const landing = p.locator(".landing:not([hidden])");
    assert.match(await landing.textContent(), /12393/, "the landing names 12393");
    assert.match(await landing.textContent(), /医保局/, "the landing names the local 医保局");
    if (shotsDir) await p.screenshot({ path: path.join(shotsDir, `chat-landing-${width}.png`) }); // the viewport: a full-page shot would draw the sticky form mid-page
    const topic = landing.locator("button.topic").first();
    await topic.click();
    assert.equal(await topic.getAttribute("aria-expanded"), "true");
    const list = p.locator("#" + (await topic.getAttribute("aria-controls")));
    assert.ok(await list.isVisible(), "a topic button shows its questions");
    assert.equal(await landing.locator(".topic-list:visible").count(), 1, "one topic open at a time");
    await topic.click();
    await landing.locator(".examples button").first().click();
    const a1 = p.locator("article.answer").nth(0);
    await a1.waitFor({ timeout: 10000 });
    for (const q of ["醫保卡丟了怎麼辦", "打胰岛素医保能报销吗"]) {
      await p.getByRole("textbox").fill(q);
      await p.keyboard.press("Enter");
      await p.locator("article.answer").nth(q.startsWith("醫") ? 1 : 2).waitFor({ timeout: 10000 });
      if (q.startsWith("醫")) {
        assert.equal(await p.locator("html").getAttribute("lang"), "zh-TW", "a Traditional question: Traditional page");
        assert.equal(await p.locator("#send").textContent(), "提問");
        assert.ok(await p.locator("article.answer").nth(1).getByRole("button", { name: "有幫助" }).isVisible(), "Traditional vote label");
      }
    }
    await p.waitForTimeout(700); // the smooth scroll
    const last = p.locator("article.answer").last();
    const box = await last.boundingBox();
    const vh = p.viewportSize().height;
    assert.ok(box && box.y < vh && box.y + 40 > 0, `the last answer is in view (top at ${box && box.y} of ${vh})`);
    assert.equal(await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, `chat scrolls sideways at ${width} px`);
    if (shotsDir) await p.screenshot({ path: path.join(shotsDir, `chat-${width}.png`) });
    await p.close();
  }
  console.log("landing: topics, examples, 12393; Traditional labels; answers scroll into view");

  if (adminToken) {
    // The console, as a curator: sign in with the token, then every page
    // at both widths.
    for (const width of [1280, 390]) {
      const ctx = await browser.newContext({ locale: "en-US", viewport: { width, height: width > 500 ? 900 : 844 } });
      const p = await ctx.newPage();
      watch(p, `console ${width}`);
      await p.goto(new URL("/admin/", base).href, { waitUntil: "load" });
      assert.match(p.url(), /\/admin\/login$/, "the console sends a stranger to sign in");
      await p.getByLabel(/Admin token/).fill(adminToken);
      await p.getByRole("button", { name: "Sign in" }).click();
      await p.waitForURL(/\/admin\/$/);
      const cookies = await ctx.cookies();
      const sess = cookies.find((c) => c.name === "faqbot_console");
      assert.ok(sess && sess.httpOnly && sess.sameSite === "Strict" && sess.expires > 0, "session cookie attributes");
      assert.ok(!p.url().includes(adminToken), "token in the URL");
      const pages = [
        ["overview", "/admin/?days=14&by=day", async () => assert.ok(await p.locator("svg").count() >= 4, "overview charts")],
        ["questions", "/admin/questions?days=14&by=day", async () => assert.ok(await p.locator("section.cluster").count() > 0, "question clusters")],
        ["articles", "/admin/articles?days=14&by=day", async () => assert.ok(await p.locator("tr[id^=a-]").count() > 40, "article rows")],
        ["try", "/admin/try?q=" + encodeURIComponent("医保卡丢了怎么办"), async () => assert.match(await p.locator("main").textContent(), /lost-card/, "hit test names its article")],
      ];
      for (const [name, url, check] of pages) {
        const resp = await p.goto(new URL(url, base).href, { waitUntil: "load" });
        assert.equal(resp.status(), 200, `${name}: HTTP ${resp.status()}`);
        await check();
        assert.equal(await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, `${name} scrolls sideways at ${width} px`);
        if (shotsDir) await p.screenshot({ path: path.join(shotsDir, `console-${name}-${width}.png`), fullPage: name !== "articles" });
      }
      await ctx.close();
    }
    console.log("console: signed in; overview, questions, articles, hit test at 1280 and 390 px");
  }

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
