// The staff half of the applications journey in a real browser, without
// JavaScript on the pages, joined to the citizen's half:
//  (i)   a citizen applies online for procedure 1.1.5 (housing register,
//        Central district administration); the officer takes the case and
//        drafts a grant; the head downloads the draft, signs it with
//        `openssl cms` and uploads the signature; the citizen sees the
//        decision in the cabinet and on its public verification page;
//  (ii)  the citizen complains about the decision; the complaint goes to
//        the body the regulation names (Minsk City Executive Committee),
//        whose officer drafts the decision and whose head signs it with the
//        demo key; the citizen sees the outcome;
//  (iii) the regulation's requests to the simulated residence and property
//        registers go out when the application is registered and their
//        answers are on the case page before anyone opens it; the operator
//        finds the messages in the archive.
//
// Run by internal/e2e (go test), which starts `odnookno serve --demo` and
// passes: BASE_URL, SMS_FILE, PERSON (JSON: pin, surname, name, patronymic,
// birth_date of a person the simulated registers know), PHONE, PKI_DIR (the
// server's development PKI, where the demo head's key is), and optionally
// SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.env.BASE_URL;
const smsFile = process.env.SMS_FILE;
const person = JSON.parse(process.env.PERSON);
const phone = process.env.PHONE; // E.164
const pkiDir = process.env.PKI_DIR;
const shots = process.env.SCREENSHOT_DIR || '';
const staticPassword = 'рашэнне-з-подпісам-2026';

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

const byID = (page, id) => page.locator(`[id="${id}"]`);
const pdf = (tag) => ({ name: `${tag}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% ${tag}\n%%EOF\n`) });

function smsLines() {
  if (!fs.existsSync(smsFile)) return [];
  return fs.readFileSync(smsFile, 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split('\t')).filter((p) => p[1] === phone).map((p) => p.slice(2).join('\t'));
}

async function waitSMS(seen, re, what) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    for (const text of smsLines().slice(seen)) {
      const m = text.match(re);
      if (m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no SMS with ${what} to ${phone} in ${smsFile}`);
}

const codeRE = /(?<!\d)(\d{6})(?!\d)/;
const tempRE = /:\s*([A-HJ-NP-Za-km-z2-9]{10})\./;

// noJS is a browser context with JavaScript off: every page must work so.
const noJS = () => browser.newContext({ locale: 'ru-RU', javaScriptEnabled: false });

async function staffLogin(login, password) {
  const ctx = await noJS();
  const page = await ctx.newPage();
  await page.goto(base + '/staff/login');
  await page.getByLabel('Имя пользователя').fill(login);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(base + '/staff');
  return page;
}

// choose picks an option of a choice field, shown as radios or a select.
async function choose(page, id, value) {
  const sel = page.locator(`select[id="${id}"]`);
  if (await sel.count()) {
    await sel.selectOption(value);
    return;
  }
  await page.locator(`input[name="${id}"][value="${value}"]`).check();
}

// reloadUntil reloads the page until the locator shows, with a deadline:
// answers arrive from the job queue.
async function reloadUntil(page, locator, what) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (await locator.count()) return;
    await new Promise((r) => setTimeout(r, 300));
    await page.reload();
  }
  throw new Error(`gave up waiting for ${what} on ${page.url()}`);
}

try {
  // ---- The citizen gets a UID (issuance service's API) and applies ----
  const desk = await staffLogin('vydacha', 'demo-vydacha-2026');
  const api = desk.request;
  let res = await api.post(base + '/api/v1/uid-applications', { data: {
    kind: 'issue', surname: person.surname, name: person.name, patronymic: person.patronymic,
    birth_date: person.birth_date, pin: person.pin, phone, lang: 'ru', document_presented: true } });
  assert.equal(res.status(), 201, await res.text());
  const uidApp = (await res.json()).id;
  const uidStep = async (name, data) => {
    const r = await api.post(`${base}/api/v1/uid-applications/${uidApp}/${name}`, data ? { data } : {});
    assert.equal(r.status(), 200, `${name}: ${await r.text()}`);
  };
  await uidStep('registry-check');
  let seen = smsLines().length;
  await uidStep('phone-code');
  await uidStep('phone-confirm', { code: await waitSMS(seen, codeRE, 'the phone code') });
  seen = smsLines().length;
  await uidStep('complete');
  const temp = await waitSMS(seen, tempRE, 'the temporary password');
  await desk.context().close();

  const citizenCtx = await noJS();
  const cit = await citizenCtx.newPage();
  await cit.goto(base + '/cabinet/login');
  await cit.getByLabel('Уникальный идентификатор').fill(person.pin);
  await cit.getByLabel('Пароль').fill(temp);
  await cit.getByRole('button', { name: 'Войти' }).click();
  await cit.waitForURL(/\/cabinet\/password\/new/);
  await cit.getByLabel('Новый пароль', { exact: true }).fill(staticPassword);
  await cit.getByLabel('Повторите новый пароль').fill(staticPassword);
  await cit.getByRole('button', { name: 'Сохранить пароль' }).click();
  await cit.waitForURL(base + '/cabinet');

  await cit.goto(base + '/cabinet/apply/citizens/1.1.5');
  await byID(cit, 'form.full_name').fill(`${person.surname} ${person.name} ${person.patronymic}`);
  await byID(cit, 'form.address').fill('г. Минск, ул. Кирова, 10-5');
  await byID(cit, 'form.family_size').fill('3');
  await choose(cit, 'form.has_minors', 'no');
  await choose(cit, 'form.priority', 'none');
  // The adults' passports are a file field of the form itself.
  await byID(cit, 'form.adult_passports_file').setInputFiles(pdf('паспорта'));
  await cit.getByRole('button', { name: 'Сохранить и продолжить' }).click();
  await cit.getByRole('heading', { name: 'Приложите документы' }).waitFor();
  await cit.getByRole('button', { name: 'Продолжить' }).click();
  await cit.getByRole('button', { name: 'Подать заявление' }).click();
  const number = (await cit.locator('#reg-number').textContent()).trim();
  assert.match(number, /^central-adm-2026-\d{6}$/);
  log('the citizen applied online:', number);

  // ---- (iii) The answers from the simulated registers are on the case ----
  const officer = await staffLogin('ispolnitel', 'demo-ispolnitel-2026');
  await officer.getByRole('link', { name: 'Заявления', exact: true }).click();
  await officer.getByRole('heading', { name: 'Заявления' }).waitFor();
  await officer.getByRole('link', { name: number }).waitFor();
  await shot(officer, 'queue');
  await officer.getByRole('link', { name: number }).click();
  await officer.getByRole('heading', { name: `Заявление ${number}` }).waitFor();
  await reloadUntil(officer, officer.getByText('Сведения предоставлены', { exact: false }).nth(1), 'two answers from the registers');
  await officer.getByRole('heading', { name: /Регистр населения: место жительства/ }).waitFor();
  await officer.getByRole('heading', { name: /Единый государственный регистр недвижимого имущества/ }).waitFor();
  await officer.getByText(person.pin).first().waitFor(); // the applicant's data (an audited read)
  await shot(officer, 'case-answers');
  log('the registers answered automatically');

  // ---- (i) The officer takes the case and drafts a grant ----
  await officer.getByRole('button', { name: 'Взять в работу' }).click();
  await officer.getByText('Выполнено: Взять в работу.').waitFor();
  await officer.getByRole('button', { name: 'Подготовить решение' }).click();
  await officer.getByRole('heading', { name: `Решение по заявлению ${number}` }).waitFor();
  // Without an outcome the form says what is missing, at the top and at the field.
  await officer.getByRole('button', { name: 'Подготовить проект решения' }).click();
  await officer.locator('.govuk-error-summary').getByText('Выберите решение.').waitFor();
  assert.match(await officer.title(), /^Ошибка:/);
  await officer.getByLabel('Осуществить административную процедуру').check();
  await officer.getByLabel('Наименование документа').fill('Решение о принятии на учёт нуждающихся в улучшении жилищных условий');
  await officer.getByLabel('Номер документа (если есть)').fill('Ж-2026/17');
  await shot(officer, 'decision-form');
  await officer.getByRole('button', { name: 'Подготовить проект решения' }).click();
  await officer.getByText('Проект решения подготовлен').waitFor();
  await officer.getByText('Проект, ожидает подписи').waitFor();
  const caseURL = officer.url();
  await shot(officer, 'case-drafted');

  // ---- The head signs with OpenSSL and uploads the signature ----
  const head = await staffLogin('rukovoditel', 'demo-rukovoditel-2026');
  await head.goto(caseURL);
  await head.getByRole('button', { name: 'Подписать решение' }).click();
  await head.getByRole('heading', { name: 'Подписание решения' }).waitFor();
  const command = (await head.locator('#sign-command').textContent()).trim();
  assert.equal(command, 'openssl cms -sign -binary -in decision.pdf -signer head.crt -inkey head.key -outform DER -out decision.p7s');
  await shot(head, 'sign');
  const href = await head.getByRole('link', { name: 'Скачать decision.pdf' }).getAttribute('href');
  const draft = await head.request.get(new URL(href, base).toString());
  assert.equal(draft.status(), 200);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'odnookno-sign-'));
  fs.writeFileSync(path.join(work, 'decision.pdf'), await draft.body());
  fs.copyFileSync(path.join(pkiDir, 'rukovoditel.crt'), path.join(work, 'head.crt'));
  fs.copyFileSync(path.join(pkiDir, 'rukovoditel.key'), path.join(work, 'head.key'));
  execFileSync('openssl', command.split(' ').slice(1), { cwd: work });
  await head.getByLabel('Файл подписи (.p7s)').setInputFiles(path.join(work, 'decision.p7s'));
  await head.getByRole('button', { name: 'Подписать и принять решение' }).click();
  await head.getByText('Решение подписано и направлено заявителю.').waitFor();
  await head.getByText('Решение принято: административная процедура осуществлена').first().waitFor();
  const code = href.split('/').pop();
  log('the head signed the decision', code);

  // ---- The citizen sees the decision and its verification page ----
  await cit.goto(base + '/cabinet/applications');
  await cit.getByRole('link', { name: number }).click();
  await cit.getByText('Решение принято: административная процедура осуществлена').first().waitFor();
  await cit.getByRole('link', { name: code }).waitFor();
  await shot(cit, 'citizen-decision');
  await cit.goto(base + '/verify/' + code);
  await cit.getByText('Ковальчук Андрей Викторович').first().waitFor();
  await shot(cit, 'verify');

  // ---- (ii) The citizen complains; the city executive committee decides ----
  await cit.goto(caseURL.replace('/staff/cases/', '/cabinet/applications/') + '/complaint');
  await cit.locator('input[name="about"][value="decision"]').check();
  await byID(cit, 'text').fill('Прошу пересмотреть решение: состав семьи указан неверно.');
  await cit.getByRole('button', { name: /Подать жалобу/ }).click();
  await cit.getByText(/mingorispolkom-2026-C\d{6}/).first().waitFor();
  const complaintNumber = (await cit.getByText(/mingorispolkom-2026-C\d{6}/).first().textContent()).match(/mingorispolkom-2026-C\d{6}/)[0];
  log('the citizen complained:', complaintNumber);

  const cOff = await staffLogin('mgik-ispolnitel', 'demo-mgik-ispolnitel-2026');
  await cOff.getByRole('link', { name: 'Административные жалобы' }).click();
  await cOff.getByRole('link', { name: complaintNumber }).click();
  await cOff.getByLabel('В удовлетворении жалобы отказано').check();
  await cOff.getByLabel('Мотивировка решения').fill('Состав семьи подтверждён сведениями регистра населения.');
  await cOff.getByRole('button', { name: 'Подготовить проект решения' }).click();
  await cOff.getByText('Проект, ожидает подписи').waitFor();
  await shot(cOff, 'complaint');

  const cHead = await staffLogin('mgik-rukovoditel', 'demo-mgik-rukovoditel-2026');
  await cHead.goto(cOff.url());
  await cHead.getByRole('button', { name: 'Подписать решение' }).click();
  await cHead.getByText('Только для демонстрации').waitFor();
  await cHead.getByLabel('Введите пароль ещё раз').fill('demo-mgik-rukovoditel-2026');
  await cHead.getByRole('button', { name: 'Подписать демонстрационным ключом' }).click();
  await cHead.getByText('Решение подписано и направлено заявителю.').waitFor();
  await cHead.getByText('В удовлетворении жалобы отказано').first().waitFor();

  await cit.goto(base + '/cabinet/complaints');
  await cit.getByText('В удовлетворении жалобы отказано').first().waitFor();
  await shot(cit, 'citizen-complaint');

  // ---- The operator's console: statistics and the message archive ----
  const op = await staffLogin('operator', 'demo-operator-2026');
  await op.getByRole('link', { name: 'Межведомственное взаимодействие' }).click();
  await op.getByRole('heading', { name: 'Статистика запросов' }).waitFor();
  await op.getByLabel('Номер заявления').fill(number);
  await op.getByRole('button', { name: 'Найти' }).click();
  await op.getByText('подпись проверена').first().waitFor();
  await shot(op, 'interop-console');
  const owner = await staffLogin('mvd-ir', 'demo-mvd-ir-2026');
  await owner.getByRole('link', { name: 'Доступ к информационному ресурсу' }).click();
  await owner.getByText('Мороз Наталья Игоревна').first().waitFor();
  await shot(owner, 'owner-grants');
  log('staff journey passed');
} catch (err) {
  // Keep what every open page showed when the journey broke.
  if (shots) {
    let i = 0;
    for (const ctx of browser.contexts()) {
      for (const p of ctx.pages()) {
        await p.screenshot({ path: path.join(shots, `failure-${i++}.png`), fullPage: true }).catch(() => {});
      }
    }
  }
  throw err;
} finally {
  await browser.close();
}
