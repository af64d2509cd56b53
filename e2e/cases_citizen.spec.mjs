// Applications in a real browser, without JavaScript on the pages:
//  (a) the front office (служба «одно окно») registers a written
//      application for a person without a UID and prints the receipt;
//  (b) a citizen with a UID applies online for procedure 1.3.1 of the
//      Central district administration: the form with its errors, the
//      documents, the review, the submission with the number, the due date
//      and how it was computed, the receipt, and the cabinet's list.
//
// Run by internal/e2e (go test), which starts `odnookno serve --demo` and
// passes: BASE_URL, SMS_FILE (the demo SMS file), PERSON (JSON of a person
// the simulated interior-ministry register knows: pin, surname, name,
// patronymic, birth_date), PHONE, and optionally SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const base = process.env.BASE_URL;
const smsFile = process.env.SMS_FILE;
const person = JSON.parse(process.env.PERSON);
const phone = process.env.PHONE; // E.164
const shots = process.env.SCREENSHOT_DIR || '';
const staticPassword = 'заява-праз-кабінет-2026';

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

// byID finds a control by its id (ids here contain dots: "form.address").
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

// expectPDF fetches a link with the page's session and checks it is a PDF.
async function expectPDF(page, href) {
  const res = await page.request.get(new URL(href, base).toString());
  assert.equal(res.status(), 200, `GET ${href}`);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  assert.equal((await res.body()).subarray(0, 4).toString(), '%PDF');
}

async function staffLogin(ctx, login, password) {
  const page = await ctx.newPage();
  await page.goto(base + '/staff/login');
  await page.getByLabel('Имя пользователя').fill(login);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(base + '/staff');
  return page;
}

try {
  // ---- (a) The front office registers an application without a UID ----
  const desk = await browser.newContext({ locale: 'ru-RU', javaScriptEnabled: false });
  const op = await staffLogin(desk, 'vydacha', 'demo-vydacha-2026');
  await op.getByRole('link', { name: 'Приём заявлений' }).click();
  await op.getByRole('heading', { name: 'Приём заявлений' }).waitFor();
  const proc132 = await op.locator('#procedure option', { hasText: /^13\.2 / }).getAttribute('value');
  await op.getByLabel('Административная процедура').selectOption(proc132);
  await op.getByRole('button', { name: 'Принять заявление' }).click();
  await op.getByRole('heading', { name: 'Приём заявления' }).waitFor();
  await byID(op, 'applicant.surname').fill('Козлов');
  await byID(op, 'applicant.name').fill('Пётр');
  await byID(op, 'applicant.patronymic').fill('Ильич');
  await byID(op, 'applicant.birth_date').fill('12.04.1979');
  await byID(op, 'applicant.id_doc_type').selectOption('passport');
  await byID(op, 'applicant.id_doc_number').fill('MP7654321');
  await byID(op, 'form.full_name').fill('Козлов Пётр Ильич');
  await byID(op, 'form.stay_address').fill('г. Минск, ул. Кирова, 10-5');
  await byID(op, 'form.stay_from').fill('01.12.2026');
  await byID(op, 'form.stay_to').fill('31.05.2027');
  await op.getByLabel('Договор найма (аренды)').check();
  await byID(op, 'form.basis_file').setInputFiles(pdf('договор-найма'));
  await byID(op, 'scan').setInputFiles(pdf('заявление'));
  await shot(op, 'intake-form');
  await op.getByRole('button', { name: 'Зарегистрировать заявление' }).click();
  await op.getByText('Заявление зарегистрировано под номером').waitFor();
  const intakeNumber = (await op.locator('h1').textContent()).match(/minsk-oo-2026-\d{6}/)[0];
  log('front office registered', intakeNumber);
  await shot(op, 'intake-registered');
  const receipt = await op.getByRole('button', { name: 'Распечатать расписку (PDF)' }).getAttribute('href');
  await expectPDF(op, receipt);
  // Back on the intake page the application waits in the list.
  await op.getByRole('link', { name: 'Приём заявлений' }).click();
  await op.getByRole('link', { name: intakeNumber }).waitFor();
  await shot(op, 'intake-home');

  // ---- (b) A citizen with a UID applies online ----
  // The UID is issued through the issuance service's API with the
  // officer's session; the codes arrive in the demo SMS file.
  const api = op.request;
  let res = await api.post(base + '/api/v1/uid-applications', { data: {
    kind: 'issue', surname: person.surname, name: person.name, patronymic: person.patronymic,
    birth_date: person.birth_date, pin: person.pin, phone, lang: 'ru', document_presented: true } });
  assert.equal(res.status(), 201, await res.text());
  const uidApp = (await res.json()).id;
  const step = async (name, data) => {
    const r = await api.post(`${base}/api/v1/uid-applications/${uidApp}/${name}`, data ? { data } : {});
    assert.equal(r.status(), 200, `${name}: ${await r.text()}`);
  };
  await step('registry-check');
  let seen = smsLines().length;
  await step('phone-code');
  await step('phone-confirm', { code: await waitSMS(seen, codeRE, 'the phone code') });
  seen = smsLines().length;
  await step('complete');
  const temp = await waitSMS(seen, tempRE, 'the temporary password');
  await desk.close();

  const citizen = await browser.newContext({ locale: 'ru-RU', javaScriptEnabled: false });
  const page = await citizen.newPage();
  await page.goto(base + '/cabinet/login');
  await page.getByLabel('Уникальный идентификатор').fill(person.pin);
  await page.getByLabel('Пароль').fill(temp);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(/\/cabinet\/password\/new/);
  await page.getByLabel('Новый пароль', { exact: true }).fill(staticPassword);
  await page.getByLabel('Повторите новый пароль').fill(staticPassword);
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await page.waitForURL(base + '/cabinet');

  // From the public catalogue's "apply online" button.
  await page.goto(base + '/catalog/citizens/1.3.1');
  await page.getByRole('button', { name: 'Подать заявление онлайн' }).click();
  await page.waitForURL(/\/cabinet\/apply\/citizens\/1\.3\.1/);
  await page.getByRole('heading', { name: 'Заполните заявление' }).waitFor();
  // The cabinet fills in what it knows.
  assert.equal(await byID(page, 'form.full_name').inputValue(), `${person.surname} ${person.name} ${person.patronymic}`);

  // Errors: each next to its field and in the summary at the top.
  await byID(page, 'form.full_name').fill('Ив');
  await byID(page, 'form.phone').fill('12345');
  await page.getByRole('button', { name: 'Сохранить и продолжить' }).click();
  const summary = page.locator('.govuk-error-summary');
  await summary.getByText('Адрес места жительства: заполните это поле.').waitFor();
  await summary.getByText(/Фамилия, собственное имя, отчество: слишком коротко/).waitFor();
  await byID(page, 'form.phone-error').waitFor();
  assert.match(await page.title(), /^Ошибка:/);
  await shot(page, 'form-errors');

  await byID(page, 'form.full_name').fill(`${person.surname} ${person.name} ${person.patronymic}`);
  await byID(page, 'form.phone').fill(phone.replace('+375', '8 0'));
  await byID(page, 'form.address').fill('г. Минск, ул. Кирова, 1');
  await byID(page, 'form.purpose').fill('по месту работы');
  await page.getByRole('button', { name: 'Сохранить и продолжить' }).click();

  // The documents step: type and size limits shown; a scan of the passport.
  await page.getByRole('heading', { name: 'Приложите документы' }).waitFor();
  await page.getByText('Форматы: PDF, JPEG, PNG; размер одного файла — не более 10 МБ.').waitFor();
  await byID(page, 'doc.passport').setInputFiles(pdf('паспорт'));
  await page.getByRole('button', { name: /Загрузить/ }).click();
  await page.getByText('Файлы загружены: 1.').waitFor();
  await page.getByRole('link', { name: 'паспорт.pdf' }).waitFor();
  await shot(page, 'documents');
  await page.getByRole('button', { name: 'Продолжить' }).click();

  // The review.
  await page.getByRole('heading', { name: 'Проверьте заявление перед подачей' }).waitFor();
  await page.getByText('г. Минск, ул. Кирова, 1').waitFor();
  await shot(page, 'review');
  await page.getByRole('button', { name: 'Подать заявление' }).click();

  // The confirmation: number, due date and how it was computed, receipt.
  await page.getByRole('heading', { name: 'Заявление подано и зарегистрировано' }).waitFor();
  const number = (await page.locator('#reg-number').textContent()).trim();
  assert.match(number, /^central-adm-2026-\d{6}$/);
  const due = (await page.locator('#due-date').textContent()).trim();
  assert.match(due, /\d{4} г\.$/);
  const explain = await page.locator('#due-explanation li').allTextContents();
  assert.ok(explain.length >= 2, 'the due date is explained');
  assert.ok(explain.some((l) => l.startsWith('Последний день срока')), explain.join(' | '));
  log('applied online:', number, 'due', due);
  await shot(page, 'done');
  await expectPDF(page, await page.getByRole('link', { name: 'Расписка о приёме заявления (PDF)' }).getAttribute('href'));

  // A richer form (1.1.5: a number, choices, file fields and a
  // conditional one): errors on an empty submission, then a draft whose
  // review names what is still missing and links to it.
  await page.goto(base + '/cabinet/apply/citizens/1.1.5');
  await byID(page, 'form.full_name').fill('');
  await page.getByRole('button', { name: 'Сохранить и продолжить' }).click();
  await summary.getByText('Количество членов семьи: заполните это поле.').waitFor();
  await summary.getByText('В составе семьи есть несовершеннолетние дети: выберите один из вариантов.').waitFor();
  await shot(page, 'form-1.1.5-errors');
  await byID(page, 'form.full_name').fill(`${person.surname} ${person.name} ${person.patronymic}`);
  await byID(page, 'form.address').fill('г. Минск, ул. Кирова, 1');
  await byID(page, 'form.family_size').fill('три');
  await page.getByRole('group', { name: 'В составе семьи есть несовершеннолетние дети' }).getByLabel('Да').check();
  await page.getByRole('group', { name: 'Основание для внеочередного или первоочередного предоставления' }).getByLabel('Нет').check();
  await page.getByRole('button', { name: 'Сохранить и продолжить' }).click();
  await summary.getByText('Количество членов семьи: введите число.').waitFor();
  await byID(page, 'form.family_size').fill('3');
  await page.getByRole('button', { name: 'Сохранить и продолжить' }).click();
  await page.getByRole('heading', { name: 'Приложите документы' }).waitFor();
  await page.getByRole('button', { name: 'Продолжить' }).click();
  await page.getByRole('heading', { name: 'Проверьте заявление перед подачей' }).waitFor();
  await summary.getByRole('link', { name: /Паспорта совершеннолетних членов семьи: приложите файл/ }).waitFor();
  await summary.getByRole('link', { name: /Свидетельства о рождении детей: приложите файл/ }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Подать заявление' }).count(), 0, 'an incomplete draft offers submission');
  await shot(page, 'review-problems');

  // The cabinet: the list (the draft kept) and the application's page.
  await page.getByRole('link', { name: 'Вернуться позже (черновик сохранён)' }).click();
  await page.getByRole('link', { name: /^Черновик от / }).waitFor();
  await page.getByRole('link', { name: number }).waitFor();
  await page.getByText('Зарегистрировано').first().waitFor();
  await shot(page, 'cabinet-list');
  await page.getByRole('link', { name: number }).click();
  await page.getByRole('button', { name: 'Отозвать заявление' }).waitFor();
  await page.getByRole('link', { name: /Расписка о приёме заявления/ }).waitFor();
  await shot(page, 'application');

  // The same pages in Belarusian.
  await page.goto(base + '/cabinet/applications?lang=be');
  await page.getByRole('heading', { name: 'Мае заявы' }).waitFor();
  await shot(page, 'cabinet-list-be');
  await citizen.close();
  log('applications journey passed');
} finally {
  await browser.close();
}
