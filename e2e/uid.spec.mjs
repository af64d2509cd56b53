// The UID journey of R637-UID in a real browser: an issuance officer issues
// a UID, the temporary password arrives by (demo) SMS, the citizen replaces
// it with a static password, logs out and in, blocks the UID, unblocks it
// from the login page and finds the earlier history again.
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
const staticPassword = 'зялёны-клён-над-ракой';
const secondPassword = 'после разблокировки 2026';

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

// smsLines returns the demo SMS file's lines to the phone ("time\tphone\ttext").
function smsLines() {
  if (!fs.existsSync(smsFile)) return [];
  return fs.readFileSync(smsFile, 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split('\t')).filter((p) => p[1] === phone).map((p) => p.slice(2).join('\t'));
}

// waitSMS waits for a new SMS to the phone (after `seen` earlier ones)
// that matches re, and returns the first group. Delivery runs on the job
// queue, so it takes a moment.
async function waitSMS(seen, re, what) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const fresh = smsLines().slice(seen);
    for (const text of fresh) {
      const m = text.match(re);
      if (m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no SMS with ${what} to ${phone} in ${smsFile}`);
}

const codeRE = /(?<!\d)(\d{6})(?!\d)/;
// Temporary passwords avoid look-alike characters (identity.temporaryPasswordAlphabet).
const tempRE = /:\s*([A-HJ-NP-Za-km-z2-9]{10})\./;

try {
  // ---- The issuance officer (служба выдачи) ----
  const officer = await browser.newContext({ locale: 'ru-RU' });
  const op = await officer.newPage();
  await op.goto(base + '/staff/login');
  await op.getByLabel('Имя пользователя').fill('vydacha');
  await op.getByLabel('Пароль').fill('demo-vydacha-2026');
  await op.getByRole('button', { name: 'Войти' }).click();
  await op.getByRole('link', { name: 'Уникальные идентификаторы' }).click();
  await shot(op, 'officer-list');
  await op.getByRole('button', { name: 'Новое заявление' }).click();

  // Submitting without the p. 6 confirmation is refused with its message.
  await op.getByLabel('выдать уникальный идентификатор').check();
  await op.getByLabel('Фамилия').fill(person.surname);
  await op.getByLabel('Собственное имя').fill(person.name);
  await op.getByLabel('Отчество (если имеется)').fill(person.patronymic);
  const [y, m, d] = person.birth_date.split('-');
  await op.getByLabel('Дата рождения').fill(`${d}.${m}.${y}`);
  await op.getByLabel('Идентификационный номер').fill(person.pin.toLowerCase());
  await op.getByLabel('Номер мобильного телефона').fill(phone.replace('+375', '8 0'));
  await op.getByRole('button', { name: 'Зарегистрировать заявление' }).click();
  await op.locator('.govuk-error-summary').getByText('предъявил документ').waitFor();
  await shot(op, 'officer-new-error');
  await op.getByLabel('Документ предъявлен, гражданин является его владельцем').check();
  await op.getByRole('button', { name: 'Зарегистрировать заявление' }).click();
  await op.getByText('зарегистрировано').first().waitFor();
  await shot(op, 'officer-application-draft');

  // The printed application for the citizen's signature.
  const paperHref = await op.getByRole('link', { name: /Распечатать заявление/ }).getAttribute('href');
  const paper = await op.request.get(base + paperHref);
  assert.equal(paper.status(), 200);
  assert.equal(paper.headers()['content-type'], 'application/pdf');
  assert.ok((await paper.body()).subarray(0, 4).toString() === '%PDF');

  await op.getByRole('button', { name: 'Сверить с данными МВД' }).click();
  await op.getByText('Сведения сверены с данными МВД.').waitFor();
  let seen = smsLines().length;
  await op.getByRole('button', { name: 'Отправить код', exact: true }).click();
  const verifyCode = await waitSMS(seen, codeRE, 'the phone code');
  log('phone code arrived');
  await shot(op, 'officer-code-sent');
  // A wrong code first: refused, with the attempts left.
  await op.getByLabel('Код, который назвал гражданин').fill(verifyCode === '000000' ? '111111' : '000000');
  await op.getByRole('button', { name: 'Подтвердить номер' }).click();
  await op.locator('.govuk-error-summary').getByText('Код неверный').waitFor();
  await op.getByLabel('Код, который назвал гражданин').fill(verifyCode);
  await op.getByRole('button', { name: 'Подтвердить номер' }).click();
  await op.getByText('Номер телефона подтверждён.').waitFor();
  seen = smsLines().length;
  await op.getByRole('button', { name: 'Назначить идентификатор и отправить временный пароль' }).click();
  await op.getByRole('heading', { name: 'Заявление исполнено' }).waitFor();
  await shot(op, 'officer-completed');
  const temp = await waitSMS(seen, tempRE, 'the temporary password');
  log('temporary password arrived in the demo SMS file');
  await officer.close();

  // ---- The citizen ----
  const citizen = await browser.newContext({ locale: 'ru-RU' });
  const page = await citizen.newPage();
  await page.goto(base + '/cabinet');
  await page.waitForURL(/\/cabinet\/login/);
  await shot(page, 'citizen-login');
  await page.getByLabel('Уникальный идентификатор').fill(person.pin);
  await page.getByLabel('Пароль').fill(temp);
  await page.getByRole('button', { name: 'Войти' }).click();
  // p. 9: forced to set a static password first; nothing else opens.
  await page.waitForURL(/\/cabinet\/password\/new/);
  await page.goto(base + '/cabinet');
  await page.waitForURL(/\/cabinet\/password\/new/);
  await page.getByLabel('Новый пароль', { exact: true }).fill('12345678');
  await page.getByLabel('Повторите новый пароль').fill('12345678');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await page.locator('.govuk-error-summary').getByText('слишком распространён').waitFor();
  await shot(page, 'citizen-first-password-error');
  await page.getByLabel('Новый пароль', { exact: true }).fill(staticPassword);
  await page.getByLabel('Повторите новый пароль').fill(staticPassword);
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await page.waitForURL(base + '/cabinet');
  await page.getByText('Постоянный пароль задан.').waitFor();
  await page.getByRole('heading', { name: `${person.surname} ${person.name}` }).waitFor();
  await shot(page, 'citizen-cabinet');

  // Log out, log in again with the static password.
  await page.getByRole('button', { name: 'Выйти' }).click();
  await page.waitForURL(/\/cabinet\/login/);
  await page.getByText('Вы вышли из личного кабинета.').waitFor();
  await page.getByLabel('Уникальный идентификатор').fill(person.pin);
  await page.getByLabel('Пароль').fill(temp);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.locator('.govuk-error-summary').getByText('Неверный идентификатор или пароль').waitFor();
  await page.getByLabel('Пароль').fill(staticPassword);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(base + '/cabinet');

  // p. 12: block the UID in the cabinet.
  await page.getByRole('button', { name: 'Заблокировать идентификатор' }).click();
  await page.waitForURL(/\/cabinet\/block/);
  await shot(page, 'citizen-block');
  await page.getByLabel('Текущий пароль').fill(staticPassword);
  await page.getByRole('button', { name: 'Заблокировать идентификатор' }).click();
  await page.waitForURL(/\/cabinet\/login/);
  await page.getByText('Идентификатор заблокирован, все сеансы завершены.').waitFor();
  // A blocked UID cannot log in, nor use the API.
  await page.getByLabel('Уникальный идентификатор').fill(person.pin);
  await page.getByLabel('Пароль').fill(staticPassword);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.locator('.govuk-error-summary').getByText('заблокирован').waitFor();
  await shot(page, 'citizen-login-blocked');
  const api = await page.request.post(base + '/api/v1/citizen/login', { data: { uid: person.pin, password: staticPassword } });
  assert.equal(api.status(), 403);
  assert.equal((await api.json()).error.code, 'uid.blocked_login');

  // p. 13: unblock from the login page with a code to the registered phone.
  await page.getByRole('link', { name: 'Разблокировать идентификатор' }).first().click();
  await page.waitForURL(/\/cabinet\/unblock/);
  await page.getByLabel('Уникальный идентификатор').fill(person.pin);
  seen = smsLines().length;
  await page.getByRole('button', { name: 'Получить код' }).click();
  const unblockCode = await waitSMS(seen, codeRE, 'the unblock code');
  await shot(page, 'citizen-unblock-code');
  await page.getByLabel('Код из SMS').fill(unblockCode);
  seen = smsLines().length;
  await page.getByRole('button', { name: 'Разблокировать' }).click();
  await page.waitForURL(/\/cabinet\/login/);
  await page.getByText('Идентификатор разблокирован.').waitFor();
  await shot(page, 'citizen-unblocked');
  const temp2 = await waitSMS(seen, tempRE, 'the temporary password after unblocking');
  await page.getByLabel('Уникальный идентификатор').fill(person.pin);
  await page.getByLabel('Пароль').fill(temp2);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(/\/cabinet\/password\/new/);
  await page.getByLabel('Новый пароль', { exact: true }).fill(secondPassword);
  await page.getByLabel('Повторите новый пароль').fill(secondPassword);
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await page.waitForURL(base + '/cabinet');

  // p. 13, last part: the whole earlier history is there again.
  await page.goto(base + '/cabinet/history');
  const history = page.locator('table.govuk-table tbody');
  for (const event of [
    'Служба выдачи зарегистрировала ваше заявление',
    'Назначен уникальный идентификатор, временный пароль отправлен по SMS',
    'Временный пароль заменён постоянным',
    'Выход из личного кабинета',
    'Идентификатор заблокирован',
    'Отправлен код разблокировки',
    'Идентификатор разблокирован, временный пароль отправлен по SMS',
  ]) {
    await history.getByText(event, { exact: true }).first().waitFor();
  }
  await shot(page, 'citizen-history');

  // The same pages in Belarusian.
  await page.goto(base + '/cabinet?lang=be');
  await page.getByRole('heading', { name: 'Гісторыя' }).waitFor();
  await shot(page, 'citizen-cabinet-be');
  await citizen.close();
  log('UID journey passed');
} finally {
  await browser.close();
}
