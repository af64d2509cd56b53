// The approval path of an electronic regulation (R637 p. 5–6) in a real
// browser: the public catalogue finds a procedure by an inflected word;
// the regulator drafts a new version, is told precisely what a p. 6 item
// lacks, changes the term and submits; the OAIS operator sees the
// difference against the version in force and approves; the owners of
// the information resources it queries approve their part in their own
// console; the version takes effect today and the public page shows the
// new term. Run for 1.3.1 (queries no resource) and 1.3.4 (queries the
// interior ministry's residence register).
//
// Run by internal/e2e (go test), which starts `odnookno serve --demo` and
// passes BASE_URL and optionally SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import path from 'node:path';

const base = process.env.BASE_URL;
const shots = process.env.SCREENSHOT_DIR || '';
// Effective dates are dates in Minsk (UTC+3 all year).
const today = new Date(Date.now() + 3 * 3600 * 1000).toISOString().slice(0, 10);
const owners = { 'mvd-ir': 'demo-mvd-ir-2026', 'nka-ir': 'demo-nka-ir-2026' };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let step = 0;
async function shot(page, name) {
  if (!shots) return;
  step++;
  await page.screenshot({ path: path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}

function log(...a) { console.log('[e2e]', ...a); }

async function login(user, password) {
  const ctx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(base + '/staff/login');
  await page.getByLabel('Имя пользователя').fill(user);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('link', { name: 'Каталог процедур и электронные регламенты' }).click();
  await page.waitForURL(/\/staff\/catalog$/);
  return { ctx, page };
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// approvalPath takes procedure `number` of the citizens' list from a new
// draft to in force with `newTerm`; `checks` adds the error and
// Belarusian checks and the screenshots.
async function approvalPath(pub, number, newTerm, newTermBE, checks) {
  const procedure = `/catalog/citizens/${number}`;
  const staffProcedure = `/staff/catalog/citizens/${number}`;
  const linkName = new RegExp(`^${esc(number)}\\. `);

  await pub.goto(base + procedure + '?lang=ru');
  const oldTerm = (await pub.locator('#procedure-term').innerText()).trim();
  assert.notEqual(oldTerm.split('\n')[0], newTerm, 'the term is already the new one');
  assert.ok(await pub.getByRole('button', { name: 'Подать заявление онлайн' }).isVisible(), 'no apply-online button');
  if (checks) await shot(pub, 'procedure-page');
  log(number, 'public page, term:', oldTerm);

  // ---- The regulator drafts the next version ----
  const reg = await login('regulator', 'demo-regulator-2026');
  let page = reg.page;
  await page.getByRole('link', { name: linkName }).first().click();
  await page.waitForURL(base + staffProcedure);
  await page.getByRole('button', { name: 'Создать проект' }).click();
  await page.waitForURL(/\/versions\/\d+\/edit$/);
  const version = Number(page.url().match(/\/versions\/(\d+)\/edit$/)[1]);
  log(number, 'draft version', version);
  if (checks) {
    await shot(page, 'draft-editor');
    // A p. 6 item left empty is named at its own field, and nothing is submitted.
    const duties = await page.locator('#duties-ru').inputValue();
    await page.locator('#duties-ru').fill('');
    await page.locator('#term').fill(newTerm);
    await page.locator('#effective-date').fill(today);
    await page.getByRole('button', { name: 'Сохранить и направить на согласование' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.ok(await summary.locator('a[href="#duties-ru"]').isVisible(), 'the summary does not link to the duties field');
    assert.match(await summary.innerText(), /Обязанности уполномоченных органов: Заполните это поле/);
    assert.match(await page.locator('#duties-ru-error').innerText(), /Заполните это поле/);
    await shot(page, 'draft-editor-errors');
    assert.equal(await page.locator('#term').inputValue(), newTerm, 'the typed term was lost');
    await page.locator('#duties-ru').fill(duties);
  }
  await page.locator('#term').fill(newTerm);
  await page.locator('#effective-date').fill(today);
  await page.getByRole('button', { name: 'Сохранить и направить на согласование' }).click();
  await page.waitForURL(base + `${staffProcedure}/versions/${version}`);
  assert.match(await page.locator('#state').innerText(), /На согласовании у оператора ОАИС/);
  log(number, 'submitted');

  // ---- The operator reviews the difference and approves ----
  const op = await login('operator', 'demo-operator-2026');
  page = op.page;
  await page.locator('#inbox-operator').waitFor();
  await page.getByRole('link', { name: linkName }).first().click();
  await page.waitForURL(base + `${staffProcedure}/versions/${version}`);
  const diffText = await page.locator('#diff').innerText();
  assert.match(diffText, /Срок осуществления процедуры/);
  assert.ok(diffText.includes(newTerm), 'the diff does not show the new term');
  if (checks) await shot(page, 'review-diff');
  await page.getByRole('button', { name: 'Согласовать (оператор ОАИС)' }).click();
  await page.waitForURL(base + `${staffProcedure}/versions/${version}`);
  await page.locator('.govuk-notification-banner--success').waitFor();
  log(number, 'operator approved');

  // ---- Owners of queried resources approve their part ----
  let approvedByOwners = 0;
  for (const [user, password] of Object.entries(owners)) {
    if (!(await page.locator('#state').innerText()).includes('владельцев информационных ресурсов')) break;
    const owner = await login(user, password);
    const link = owner.page.getByRole('link', { name: linkName });
    if (await link.count()) {
      await link.first().click();
      await owner.page.locator('#queries').waitFor();
      await shot(owner.page, `owner-${user}`);
      await owner.page.getByRole('button', { name: 'Согласовать (владелец ресурса)' }).click();
      await owner.page.locator('.govuk-notification-banner--success').waitFor();
      approvedByOwners++;
      log(number, user, 'approved');
    }
    await owner.ctx.close();
    await page.reload();
  }

  // ---- In force today ----
  await page.reload();
  assert.match(await page.locator('#state').innerText(), /Действует/, 'the version is not in force');
  if (checks) {
    await page.goto(base + `${staffProcedure}/compare?from=${version - 1}&to=${version}`);
    await page.locator('#diff').waitFor();
    await shot(page, 'compare');
  }
  await pub.goto(base + procedure + '?lang=ru');
  const term = (await pub.locator('#procedure-term').innerText()).trim();
  assert.equal(term.split('\n')[0], newTerm, `public term is «${term}»`);
  assert.match(await pub.locator('#version').innerText(), new RegExp(`версия ${version}`));
  if (checks) await shot(pub, 'procedure-page-new-term');
  await pub.goto(base + procedure + '?lang=be');
  assert.equal((await pub.locator('#procedure-term').innerText()).trim().split('\n')[0], newTermBE);
  if (checks) await shot(pub, 'procedure-page-be');
  log(number, 'public page shows', term);

  await reg.ctx.close();
  await op.ctx.close();
  return approvedByOwners;
}

try {
  // ---- The public catalogue finds «справка» by «справку» ----
  const visitor = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1200, height: 900 } });
  const pub = await visitor.newPage();
  await pub.goto(base + '/catalog');
  await pub.getByLabel('Номер или слова из названия').fill('справку');
  await pub.getByRole('button', { name: 'Найти' }).click();
  await pub.waitForURL(/q=/);
  for (const n of ['1.3.1', '1.3.4', '2.2']) {
    await pub.getByRole('link', { name: new RegExp(`^${esc(n)}\\. Выдача справки`) }).waitFor();
  }
  await shot(pub, 'public-catalogue');

  assert.equal(await approvalPath(pub, '1.3.1', '5 дней', '5 дзён', true), 0, '1.3.1 queries no resource');
  assert.equal(await approvalPath(pub, '1.3.4', '3 рабочих дня', '3 рабочыя дні', false), 1, 'the residence register owner did not approve 1.3.4');
  await visitor.close();
} finally {
  await browser.close();
}
console.log('[e2e] catalog approval path: ok');
