// The classroom page in Debian's headless Chromium, driven by playwright-core (classroom/page's npm
// packages): a team joins and submits, the teacher plays the round, a second team picks a seat with the
// class code and the teacher releases it and assigns it to another team, the team's dashboard shows charts
// at desktop and phone widths (joined there with the keyboard), the teacher console with a what-if fan
// chart, and the debrief.
// Fails on a console error, a page error, a request leaving the server's origin, a missing chart, or a
// page wider than the phone. Screenshots go to OUT.
// usage: node classroom_browser_test.mjs REESIM_BINARY SOURCE_DIR OUT
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [binary, sourceDir, out] = process.argv.slice(2);
if (!binary || !sourceDir || !out) {
  console.error("usage: node classroom_browser_test.mjs REESIM_BINARY SOURCE_DIR OUT");
  process.exit(2);
}
const require = createRequire(resolve(sourceDir, "classroom/page/package.json"));
const { chromium } = require("playwright-core");
const browserPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (!browserPath) {
  console.error("classroom browser test: Debian's chromium is not installed (apt-get install chromium; tools/setup.sh test does)");
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const state = mkdtempSync(join(tmpdir(), "reesim-browser-"));
const problems = [];
const server = spawn(binary, ["serve", "--port", "0", "--state", state, "--quiet", "--rounds", "8"], { stdio: "inherit" });
let browser;

function fail(message) {
  throw new Error(message);
}

async function sessionFile() {
  for (let i = 0; i < 300; i++) {
    if (existsSync(join(state, "session.json"))) return JSON.parse(readFileSync(join(state, "session.json"), "utf8"));
    await new Promise((r) => setTimeout(r, 20));
  }
  fail("reesim serve wrote no session.json");
}

function watch(page, name, origin) {
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${name}: console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`${name}: page error: ${error.message}`));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("ws://" + origin.slice(7)) && !url.startsWith("data:") && !url.startsWith("blob:")) {
      problems.push(`${name}: a request left the origin: ${url}`);
    }
  });
  page.on("dialog", (dialog) => dialog.accept());
}

async function expectChart(page, selector, name, timeout = 10000) {
  await page.waitForSelector(`${selector} canvas`, { timeout }).catch(() => fail(`${name}: no chart in ${selector}`));
}

try {
  const session = await sessionFile();
  const origin = session.url.replace(/\/$/, "");
  browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });

  // A team on a laptop joins and submits.
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const team = await desktop.newPage();
  watch(team, "team", origin);
  await team.goto(session.url);
  await team.waitForSelector("#join:not([hidden])");
  await team.fill("#join-code", session.join_codes.USA.toLowerCase());
  await team.fill("#join-name", "Team 3");
  await team.click("#join-form button");
  await team.waitForSelector("#team:not([hidden])");
  await team.check("input[value=recycle]");
  await team.click("#submit-button");
  await team.waitForFunction(() => document.getElementById("decision-state").textContent.includes("Submitted: recycle"));

  // The teacher plays the round.
  const teacherContext = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const teacher = await teacherContext.newPage();
  watch(teacher, "teacher", origin);
  await teacher.goto(session.teacher_url);
  await teacher.waitForSelector("#teacher:not([hidden])");
  await teacher.waitForFunction(() => document.querySelector("#seats").textContent.includes("✓ yes"));
  await teacher.click("button[data-command=advance]");
  await expectChart(teacher, "#chart-world", "teacher");
  await team.waitForFunction(() => document.getElementById("team-round").textContent.startsWith("Round 2"));
  // The console by keyboard alone: Tab from the top of the page to "Play the round", then Enter.
  await teacher.evaluate(() => document.activeElement && document.activeElement.blur());
  let reached = false;
  for (let presses = 0; presses < 30 && !reached; presses++) {
    await teacher.keyboard.press("Tab");
    reached = await teacher.evaluate(() => document.activeElement && document.activeElement.dataset.command === "advance");
  }
  if (!reached) fail("teacher: Tab does not reach the Play the round button");
  await teacher.keyboard.press("Enter");  // a second round, so the charts draw lines
  await team.waitForFunction(() => document.getElementById("team-round").textContent.startsWith("Round 3"));
  await expectChart(team, "#chart-prices", "team");
  await expectChart(team, "#chart-payoff", "team");
  await team.waitForFunction(() => document.querySelector("#supply .track") !== null);
  await team.screenshot({ path: join(out, "team-desktop.png"), fullPage: true });
  await teacher.waitForSelector("#join-qr svg path", { timeout: 10000 }).catch(() => fail("teacher: no QR code of the join URL"));
  const qrCells = await teacher.locator("#join-qr svg path").getAttribute("d");
  if (!qrCells || qrCells.split("M").length < 100) fail(`teacher: the QR code has too few dark cells (${qrCells})`);
  // The teacher forks a what-if ensemble: progress, then the fan chart (and its legend) in the console.
  await teacher.selectOption("#whatif-metric", "price.dy_oxide");
  await teacher.fill("#whatif-runs", "16");
  await teacher.click("#whatif-button");
  await expectChart(teacher, "#chart-whatif", "what-if", 90000);  // seconds on a busy machine
  await teacher.waitForFunction(() => document.getElementById("whatif-state").textContent.includes("16 runs"));
  const legend = await teacher.locator("#chart-whatif .u-legend").textContent();
  if (!legend.includes("median") || !legend.includes("the class")) problems.push(`what-if: the fan's legend is ${legend}`);
  // The class plays on: the fan comes again with the class's path over it.
  await teacher.click("button[data-command=advance]");
  await teacher.waitForFunction(() => document.getElementById("whatif-state").textContent.includes("the class: 3 rounds played"))
    .catch(() => fail("what-if: the class's path was not overlaid after the next round"));
  await expectChart(teacher, "#chart-whatif", "what-if after a round");
  await teacher.locator("#whatif-title").scrollIntoViewIfNeeded();
  await teacher.locator("#whatif-title").locator("xpath=..").screenshot({ path: join(out, "what-if.png") });
  // The teacher injects a ready-made event: the team is told at once.
  await teacher.selectOption("#event-name", "china_heavy_ban");
  await teacher.waitForFunction(() => document.getElementById("event-explanation").textContent.includes("Dy and Tb"))
    .catch(() => fail("teacher: the chosen event's explanation is not shown"));
  await teacher.click("#event-form button");
  await team.waitForFunction(() => document.getElementById("notice").textContent.startsWith("Event from"), null, { timeout: 10000 })
    .catch(() => fail("team: no notice of the injected event"));
  // A second team picks its country with the class code (the QR code's URL); the teacher releases it,
  // which sends its page back to joining, and keeps the seat for another team.
  if (!session.picking_url || !session.picking_url.includes(session.class_code)) fail(`session.json: picking_url ${session.picking_url}`);
  const pickerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const picker = await pickerContext.newPage();
  watch(picker, "picker", origin);
  await picker.goto(session.picking_url);
  await picker.fill("#join-name", "Team 7");
  await picker.waitForSelector("#seat-picker:not([hidden]) button");
  const offered = await picker.locator("#seat-choices button").allTextContents();
  if (offered.some((text) => text.includes("(USA)"))) problems.push(`picker: the held USA seat is offered (${offered})`);
  await picker.click("#seat-choices button:has-text('(JPN)')");
  await picker.waitForSelector("#team:not([hidden])");
  await teacher.waitForFunction(() => document.querySelector("#seats").textContent.includes("Team 7"))
    .catch(() => fail("teacher: the picked seat does not show its team"));
  await teacher.click("#seats tr:has-text('(JPN)') button");
  await picker.waitForSelector("#join:not([hidden])", { timeout: 10000 }).catch(() => fail("picker: not sent back to joining on release"));
  await teacher.selectOption("#assign-seat", "JPN");
  await teacher.fill("#assign-team", "Team Red");
  await teacher.click("#assign-form button");
  await teacher.waitForFunction(() => document.querySelector("#seats").textContent.includes("Team Red (assigned)"))
    .catch(() => fail("teacher: the assigned seat does not show its team"));
  await picker.click("#join-form button");
  await picker.waitForSelector("#seat-picker:not([hidden]) button");
  const reoffered = await picker.locator("#seat-choices button").allTextContents();
  if (reoffered.some((text) => text.includes("(JPN)"))) problems.push(`picker: the assigned JPN seat is offered (${reoffered})`);
  // A message typed and sent with the keyboard reaches the team.
  await teacher.focus("#broadcast-text");
  await teacher.keyboard.type("Five minutes left");
  await teacher.keyboard.press("Enter");
  await team.waitForFunction(() => document.getElementById("notice").textContent.includes("Five minutes left"), null, { timeout: 10000 })
    .catch(() => fail("team: the teacher's message did not arrive"));
  await teacher.screenshot({ path: join(out, "teacher.png"), fullPage: true });

  // The same team on a phone, with the keyboard only.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
                                                  deviceScaleFactor: 2 });
  const phone = await phoneContext.newPage();
  watch(phone, "phone", origin);
  await phone.goto(session.url);
  await phone.waitForSelector("#join:not([hidden])");
  await phone.focus("#join-code");
  await phone.keyboard.type(session.join_codes.USA);
  await phone.keyboard.press("Tab");
  await phone.keyboard.type("Team 3");
  await phone.keyboard.press("Enter");
  await phone.waitForSelector("#team:not([hidden])");
  await expectChart(phone, "#chart-prices", "phone");
  // Choose with the keyboard: focus the checked radio, move down, submit with Enter on the button.
  await phone.focus("#menu input:checked");
  await phone.keyboard.press("ArrowDown");
  await phone.focus("#submit-button");
  await phone.keyboard.press("Enter");
  await phone.waitForFunction(() => document.getElementById("decision-state").textContent.includes("Submitted:"));
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  if (width > 390) problems.push(`phone: the page is ${width} px wide at 390 px`);
  await phone.screenshot({ path: join(out, "team-phone.png") });
  await phone.screenshot({ path: join(out, "team-phone-full.png"), fullPage: true });

  // The teacher ends the game: everyone gets the debrief.
  await teacher.click("button[data-command=end]");
  await teacher.waitForSelector("#debrief:not([hidden])");
  await expectChart(teacher, "#chart-debrief", "debrief");
  await phone.waitForSelector("#debrief:not([hidden])");
  await teacher.waitForFunction(() => document.querySelectorAll("#leaderboard tbody tr").length > 0);
  // The model's scores arrive when the server's replays are done (the same debrief again).
  await teacher.waitForFunction(() => document.getElementById("debrief-pending").hidden, null, { timeout: 120000 });
  const computing = await teacher.evaluate(() => document.getElementById("leaderboard").textContent.includes("computing"));
  if (computing) problems.push("debrief: the model's scores still say computing after the replays");
  // The team played recycle, which the model's best response does not: the debrief shows the difference.
  const difference = await teacher.locator("#leaderboard tr:has-text('(USA)') td:nth-child(6)").textContent();
  if (!/[1-9]/.test(difference)) problems.push(`debrief: USA's difference from the model is ${difference}`);
  await teacher.locator("#debrief").screenshot({ path: join(out, "debrief.png") });
  const rows = await teacher.evaluate(() => document.querySelectorAll("#leaderboard tbody tr").length);
  if (rows !== Object.keys(session.join_codes).length) problems.push(`debrief: ${rows} leaderboard rows`);
} catch (error) {
  problems.push(String(error && error.stack ? error.stack : error));
} finally {
  if (browser) await browser.close();
  server.kill("SIGTERM");
  rmSync(state, { recursive: true, force: true });
}
if (problems.length) {
  console.error("classroom browser test failed:\n  " + problems.join("\n  "));
  process.exit(1);
}
console.log(`classroom browser test passed; screenshots in ${out}`);
