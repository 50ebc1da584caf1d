// Drives code-server in headless Chromium for covlint's VS Code e2e test: node drive.cjs job.json
// Opens the folder and a file, waits for covlint's squiggles and status bar item, reads the
// Problems panel, takes a screenshot, clicks the status bar item (scope all -> diff) and reads
// everything again; then points covlint.interpreter at a Python without covlint and reads the toast. Writes what it saw to job.output as JSON; exits 1 on an error.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const STATUS_ID = 'covlint.covlint.covlint.status'; // <publisher>.<name>.<item id>
const CHROMIUM_FLAGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
const started = Date.now();
const seen = { timings: {} };

function mark(name) {
    seen.timings[name] = Date.now() - started;
}

/** Poll `read` until `done(value)` or the timeout; return the last value either way. */
async function until(page, read, done) {
    const deadline = Date.now() + job.timeout_ms;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
        await page.waitForTimeout(100);
        value = await read();
    }
    return value;
}

/** Squiggles in the editor as [line, class] pairs: overlay rows joined to line numbers by `top`. */
function squiggles(page) {
    return page.evaluate(() => {
        const editor = document.querySelector('.editor-instance .monaco-editor');
        if (!editor) {
            return [];
        }
        const lines = new Map();
        for (const row of editor.querySelectorAll('.margin-view-overlays > div')) {
            lines.set(row.style.top, Number(row.innerText.trim()));
        }
        const found = [];
        for (const row of editor.querySelectorAll('.view-overlays > div')) {
            for (const squiggle of row.querySelectorAll('[class*="squiggly-"]')) {
                const kind = [...squiggle.classList].find((name) => name.startsWith('squiggly-'));
                found.push([lines.get(row.style.top) ?? null, kind]);
            }
        }
        return found;
    });
}

function status(page) {
    return page.evaluate((id) => {
        const item = document.getElementById(id);
        return item ? { text: item.innerText.trim(), label: item.getAttribute('aria-label') } : null;
    }, STATUS_ID);
}

/** Problems panel rows: aria-label and visible text of each row, file rows included. */
function problems(page) {
    return page.$$eval('.markers-panel .monaco-list-row', (rows) =>
        rows.map((row) => ({ label: row.getAttribute('aria-label'), text: row.innerText })),
    );
}

function markerCount(rows) {
    return rows.filter((row) => /^(Error|Warning|Info): /.test(row.label ?? '')).length;
}

function squiggleLines(found) {
    return new Set(found.map(([line, kind]) => `${line}:${kind}`)).size;
}

async function run(page) {
    await page.goto(`${job.url}/?folder=${encodeURIComponent(job.folder)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: job.timeout_ms });
    mark('workbench');
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: job.file }).first();
    await row.waitFor({ timeout: job.timeout_ms });
    await row.dblclick();
    mark('opened');
    seen.squiggles = await until(page, () => squiggles(page), (found) => squiggleLines(found) === job.expect.squiggle_lines);
    mark('squiggles');
    seen.status = await until(page, () => status(page), (item) => item !== null && item.text === job.expect.status);
    mark('status');
    await page.keyboard.press('Control+Shift+M');
    seen.problems = await until(page, () => problems(page), (rows) => markerCount(rows) === job.expect.markers);
    mark('problems');
    await page.screenshot({ path: job.screenshot });
    if (job.edit_save) {
        await editAndSave(page);
    }
    if (!job.after_click) {
        return;
    }
    await page.click(`[id="${STATUS_ID}"]`);
    seen.after_click = {
        status: await until(page, () => status(page), (item) => item !== null && item.text === job.after_click.status),
    };
    seen.after_click.problems = await until(
        page, () => problems(page), (rows) => markerCount(rows) === job.after_click.markers,
    );
    seen.after_click.squiggles = await until(
        page, () => squiggles(page), (found) => squiggleLines(found) === job.after_click.squiggle_lines,
    );
    mark('after_click');
    if (job.toggle) {
        await runCommand(page, job.toggle.title);
        seen.toggle = await until(page, () => problems(page), (rows) => markerCount(rows) === job.toggle.markers);
        mark('toggle');
    }
    if (!job.not_installed) {
        return;
    }
    // Point covlint.interpreter at a Python without covlint, as a user would in settings.json:
    // the extension restarts the server and says what to install, once.
    await runCommand(page, 'Preferences: Open User Settings (JSON)');
    await page.locator('.tab.active', { hasText: 'settings.json' }).waitFor({ timeout: job.timeout_ms });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify(job.not_installed.settings));
    await page.keyboard.press('Control+Shift+End'); // drop what auto-closing added after the text
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+S');
    if (process.env.COVLINT_E2E_DEBUG) {
        await page.screenshot({ path: `${job.output}.settings.png` });
    }
    seen.not_installed = await until(
        page, () => toasts(page), (texts) => texts.some((text) => text.includes(job.not_installed.message)),
    );
    mark('not_installed');
}

/** Lines typed at the top and saved: the marks move with their lines; the lines deleted and
 * saved again (the text that ran, newer on disk): the marks are back where they were. */
async function editAndSave(page) {
    const rows = () => problems(page);
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.insertText(job.edit_save.text);
    await page.keyboard.press('Control+S');
    seen.saved = { problems: await until(page, rows, (found) => sameLines(found, job.edit_save.lines)) };
    mark('saved');
    await page.keyboard.press('Control+Home');
    for (let line = 0; line < job.edit_save.inserted; line += 1) {
        await page.keyboard.press('Shift+ArrowDown');
    }
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+S');
    seen.undone = { problems: await until(page, rows, (found) => sameLines(found, job.edit_save.undone)) };
    seen.undone.squiggles = await squiggles(page);
    mark('undone');
}

/** Whether the Problems panel's markers start on exactly these (1-based) lines. */
function sameLines(rows, lines) {
    const found = rows
        .map((row) => /^(?:Error|Warning|Info): .* at line (\d+) and character \d+\./s.exec(row.label ?? ''))
        .filter((match) => match !== null)
        .map((match) => Number(match[1]))
        .sort((a, b) => a - b);
    return JSON.stringify(found) === JSON.stringify(lines);
}

/** Run a command from the command palette by its full title. */
async function runCommand(page, title) {
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.insertText(title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
}

function toasts(page) {
    return page.$$eval('.notifications-toasts .notification-toast', (items) => items.map((item) => item.innerText));
}

(async () => {
    const browser = await chromium.launch({ executablePath: job.chromium, args: CHROMIUM_FLAGS });
    let failed = false;
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        page.on('console', (message) => {
            if (message.type() === 'error') {
                (seen.console = seen.console ?? []).push(message.text());
            }
        });
        await run(page);
    } catch (error) {
        seen.error = String(error && error.stack ? error.stack : error);
        failed = true;
    } finally {
        fs.writeFileSync(job.output, JSON.stringify(seen, null, 1));
        await browser.close();
    }
    process.exit(failed ? 1 : 0);
})();
