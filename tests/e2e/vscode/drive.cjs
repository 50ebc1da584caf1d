// Drives code-server in headless Chromium for covlint's VS Code e2e test: node drive.cjs job.json
// Opens the folder and a file and reads, as a user sees them: covlint's colours (gutter and line
// decorations, by their DOM classes), squiggles, status bar item and Problems panel; the Test
// Coverage view; light and dark screenshots. Then clicks the status bar item (scope all -> diff),
// runs the toggle commands, removes covlint.interpreter (covlint must be found in the project's
// .venv), opens a folder without coverage data, and points covlint.interpreter at a Python without
// covlint. Writes what it saw to job.output as JSON; exits 1 on an error.
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

/**
 * covlint's colours as [line, kind, where]: kind missed/partial/covered, where gutter/line.
 * A decoration type's DOM class (`ced-…-TextEditorDecorationTypeN-…`) is tied to its kind by the
 * stylesheet rule that draws its gutter icon (media/gutter-<kind>-<theme>.svg).
 */
function colours(page) {
    return page.evaluate(() => {
        const editor = document.querySelector('.editor-instance .monaco-editor');
        if (!editor) {
            return [];
        }
        const kinds = new Map(); // class prefix -> kind
        for (const sheet of document.styleSheets) {
            let rules = [];
            try {
                rules = [...sheet.cssRules];
            } catch {
                continue;
            }
            for (const rule of rules) {
                const icon = /gutter-(missed|partial|covered)-/.exec(rule.cssText);
                for (const match of icon ? (rule.selectorText ?? '').matchAll(/\.(ced-[\w-]+?-)\d+\b/g) : []) {
                    kinds.set(match[1], icon[1]);
                }
            }
        }
        const kindOf = (element) => {
            for (const name of element.classList) {
                for (const [prefix, kind] of kinds) {
                    if (name.startsWith(prefix)) {
                        return kind;
                    }
                }
            }
            return undefined;
        };
        const lines = new Map();
        for (const row of editor.querySelectorAll('.margin-view-overlays > div')) {
            lines.set(row.style.top, Number(row.innerText.trim()));
        }
        const found = [];
        for (const glyph of editor.querySelectorAll('.cgmr')) {
            const kind = kindOf(glyph);
            if (kind) {
                found.push([lines.get(glyph.style.top) ?? null, kind, 'gutter']);
            }
        }
        for (const row of editor.querySelectorAll('.view-overlays > div')) {
            for (const line of row.querySelectorAll('.cdr')) {
                const kind = kindOf(line);
                if (kind) {
                    found.push([lines.get(row.style.top) ?? null, kind, 'line']);
                }
            }
        }
        return found;
    });
}

/** VS Code's own inline coverage (from covlint's Test Coverage feed): [line, hit|miss] per
 * line number its gutter colours. */
function nativeCoverage(page) {
    return page.evaluate(() => {
        const found = [];
        for (const number of document.querySelectorAll('.editor-instance .monaco-editor .line-numbers.coverage-deco-gutter')) {
            for (const kind of ['hit', 'miss']) {
                if (number.classList.contains(`coverage-deco-${kind}`)) {
                    found.push([Number(number.innerText.trim()), kind]);
                }
            }
        }
        return found;
    });
}

function distinct(found) {
    return new Set(found.map((item) => item.join(':'))).size;
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

function toasts(page) {
    return page.$$eval('.notifications-toasts .notification-toast', (items) => items.map((item) => item.innerText));
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
    seen.saved.colours = await until(page, () => colours(page), (items) =>
        distinct(items) === job.expect.colours && items.every(([line]) => line > job.edit_save.inserted));
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

async function openFile(page, name) {
    await page.keyboard.press('Control+Shift+E');
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: job.timeout_ms });
    await row.dblclick();
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: job.timeout_ms });
}

/** Replace the user settings as a user would, in settings.json. */
async function writeSettings(page, settings) {
    await runCommand(page, 'Preferences: Open User Settings (JSON)');
    await page.locator('.tab.active', { hasText: 'settings.json' }).waitFor({ timeout: job.timeout_ms });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify(settings));
    await page.keyboard.press('Control+Shift+End'); // drop what auto-closing added after the text
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+S');
}

/** What the editor shows for the open file once it matches `expect` (or the time is up). */
async function readEditor(page, expect) {
    const found = {};
    found.colours = await until(page, () => colours(page), (items) => distinct(items) === expect.colours);
    found.squiggles = await until(page, () => squiggles(page), (items) => distinct(items) === expect.squiggle_lines);
    found.status = await until(page, () => status(page), (item) => item !== null && item.text === expect.status);
    return found;
}

async function readProblems(page, expect) {
    return until(page, () => problems(page), (rows) => markerCount(rows) === expect.markers);
}

/** The project view (explorer pane "Coverage (covlint)"): its rows, expanded. */
async function readTree(page) {
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: job.tree.title }) });
    const header = pane.locator('.pane-header').first();
    if ((await header.getAttribute('aria-expanded')) !== 'true') {
        await header.click();
    }
    const rows = () =>
        pane.locator('.monaco-list-row').evaluateAll((items) =>
            items.map((item) => ['.label-name', '.label-description'].map((part) => item.querySelector(part)?.innerText ?? '').join(' ')),
        );
    return until(page, rows, (items) => items.length === job.tree.rows);
}

/** The hover on the first line holding `text`, as shown (diagnostic and server hover). */
async function readHover(page, text) {
    const line = page.locator('.editor-instance .view-lines .view-line', { hasText: text }).first();
    await line.hover({ position: { x: 60, y: 8 } });
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ timeout: job.timeout_ms });
    const read = () => hover.innerText().catch(() => '');
    const found = await until(page, read, (shown) => shown.includes(job.hover.wait_for));
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
    return found;
}

/** Click the project view's row for `name`: the tab it opens. */
async function clickTreeRow(page, name) {
    await page.keyboard.press('Control+Shift+E');
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: job.tree.title }) });
    await pane.locator('.monaco-list-row', { hasText: name }).first().click();
    const tab = page.locator('.tab.active', { hasText: name });
    await tab.waitFor({ timeout: job.timeout_ms });
    return (await tab.innerText()).trim();
}

/** The Test Coverage view's rows (VS Code's own view, fed by covlint). */
async function readCoverageView(page) {
    await runCommand(page, job.coverage.command);
    const rows = () =>
        page.$$eval('.monaco-list-row:has(.test-coverage-list-item)', (items) =>
            items.map((item) => ({ label: item.getAttribute('aria-label'), text: item.innerText })),
        );
    return until(page, rows, (items) => items.some((item) => (item.text + item.label).includes(job.coverage.file)));
}

async function first(page) {
    await page.goto(`${job.url}/?folder=${encodeURIComponent(job.folder)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: job.timeout_ms });
    mark('workbench');
    await openFile(page, job.file);
    mark('opened');
    Object.assign(seen, await readEditor(page, job.expect));
    mark('editor');
    seen.native = await until(page, () => nativeCoverage(page), (items) => distinct(items) >= job.expect.native);
    mark('native');
    await page.keyboard.press('Control+Shift+M');
    seen.problems = await readProblems(page, job.expect);
    mark('problems');
    seen.hover = await readHover(page, job.hover.text);
    mark('hover');
    seen.tree = await readTree(page);
    mark('tree');
    await page.screenshot({ path: job.screenshots.light });
    seen.coverage_view = await readCoverageView(page);
    mark('coverage_view');
    seen.tree_click = await clickTreeRow(page, job.tree.click);
    await openFile(page, job.file);
    if (job.edit_save) {
        await editAndSave(page);
    }
}

async function dark(page) {
    await writeSettings(page, job.dark.settings);
    await page.waitForSelector('.monaco-workbench.vs-dark', { timeout: job.timeout_ms });
    await openFile(page, job.file);
    seen.dark = await readEditor(page, job.expect);
    await page.keyboard.press('Control+Shift+M');
    await readProblems(page, job.expect);
    await page.screenshot({ path: job.screenshots.dark });
    mark('dark');
}

async function clickAndToggle(page) {
    await page.click(`[id="${STATUS_ID}"]`);
    seen.after_click = await readEditor(page, job.after_click);
    seen.after_click.problems = await readProblems(page, job.after_click);
    mark('after_click');
    await runCommand(page, job.colours_toggle.title);
    seen.colours_off = await until(page, () => colours(page), (items) => items.length === 0);
    await runCommand(page, job.colours_toggle.title);
    seen.colours_on = await until(page, () => colours(page), (items) => distinct(items) === job.after_click.colours);
    mark('colours_toggle');
    // The server's toggle hides everything it says: diagnostics and colours.
    await runCommand(page, job.toggle.title);
    seen.toggle = await readProblems(page, job.toggle);
    seen.toggle_colours = await until(page, () => colours(page), (items) => items.length === 0);
    mark('toggle');
}

/** Without covlint.interpreter (and no Python extension) the server must come from .venv. */
async function venv(page) {
    await writeSettings(page, job.venv.settings);
    await openFile(page, job.file);
    seen.venv = await readEditor(page, job.venv.expect);
    mark('venv');
}

async function noData(page) {
    await page.goto(`${job.url}/?folder=${encodeURIComponent(job.no_data.folder)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: job.timeout_ms });
    await openFile(page, job.no_data.file);
    seen.no_data = {
        status: await until(page, () => status(page), (item) => item !== null && item.text === job.no_data.status),
        toasts: await until(page, () => toasts(page), (texts) => texts.some((text) => text.includes(job.no_data.message))),
    };
    mark('no_data');
}

async function notInstalled(page) {
    await writeSettings(page, job.not_installed.settings);
    if (process.env.COVLINT_E2E_DEBUG) {
        await page.screenshot({ path: `${job.output}.settings.png` });
    }
    seen.not_installed = await until(
        page, () => toasts(page), (texts) => texts.some((text) => text.includes(job.not_installed.message)),
    );
    mark('not_installed');
}

async function run(page) {
    await first(page);
    await dark(page);
    await clickAndToggle(page);
    await venv(page);
    await noData(page);
    if (job.not_installed) {
        await notInstalled(page);
    }
}

(async () => {
    const browser = await chromium.launch({ executablePath: job.chromium, args: CHROMIUM_FLAGS });
    let failed = false;
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
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
