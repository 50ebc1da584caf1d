// The status bar item: the active file's and the project's coverage, from the server's summary.
import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { Scope } from './settings';

export const SUMMARY_REQUEST = 'covlint/summary';
export const TOGGLE_SCOPE_COMMAND = 'covlint.scope.toggle';

interface Figures {
    percent: number;
}
/** The result of `covlint/summary` for one document. */
export interface Summary {
    file: Figures | null;
    total: Figures | null;
    stale: boolean;
    /** "missing": the project has no coverage data (yet). */
    data?: 'loaded' | 'missing';
}

export const NO_DATA_TEXT = '$(circle-slash) covlint: no data';
export const NO_DATA_MESSAGE = 'covlint: no coverage data yet: run `pytest --cov` (covlint reloads by itself when it appears).';

/** 62.5 -> "62.5%", 80 -> "80%": one decimal at most, never "100%" or "0%" unless exact (as coverage.py). */
export function formatPercent(percent: number): string {
    let shown = Math.round(percent * 10) / 10;
    if (shown === 100 && percent < 100) {
        shown = 99.9;
    } else if (shown === 0 && percent > 0) {
        shown = 0.1;
    }
    return `${shown}%`;
}

/** The status bar text, e.g. "$(beaker) covlint 62.5% · total 80%" ("covlint diff ..." in diff scope). */
export function statusText(summary: Summary, scope: Scope): string {
    if (summary.data === 'missing') {
        return NO_DATA_TEXT;
    }
    const file = summary.file ? formatPercent(summary.file.percent) : '—';
    const total = summary.total ? ` · total ${formatPercent(summary.total.percent)}` : '';
    const mark = summary.stale ? '$(warning)' : '$(beaker)';
    const prefix = scope === 'diff' ? 'covlint diff' : 'covlint';
    return `${mark} ${prefix} ${file}${total}`;
}

export class CoverageStatus implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('covlint.status', vscode.StatusBarAlignment.Right, 100);
    private readonly disposables: vscode.Disposable[] = [this.item];
    private client: LanguageClient | undefined;
    private timer: NodeJS.Timeout | undefined;
    private generation = 0;
    private toldNoData = false;

    constructor(
        private readonly log: vscode.LogOutputChannel,
        private readonly scope: () => Scope,
    ) {
        this.item.name = 'covlint coverage';
        this.item.command = TOGGLE_SCOPE_COMMAND;
        this.showPlain('covlint: starting');
        this.item.show();
        this.disposables.push(
            vscode.window.onDidChangeActiveTextEditor(() => this.schedule()),
            vscode.languages.onDidChangeDiagnostics((event) => {
                const active = vscode.window.activeTextEditor?.document.uri.toString();
                if (event.uris.some((uri) => uri.toString() === active)) {
                    this.schedule();
                }
            }),
        );
    }

    /** Follow another client (after a (re)start); undefined: the server is not running. */
    attach(client: LanguageClient | undefined): void {
        this.client = client;
        if (!client) {
            this.showPlain('covlint: not running');
        }
        this.schedule();
    }

    /** Ask the server again soon (coalesces bursts of events). */
    schedule(delayMs = 150): void {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.update(), delayMs);
    }

    private showPlain(tooltip: string): void {
        this.item.text = '$(beaker) covlint';
        this.item.tooltip = `${tooltip}\nClick to switch scope (all ↔ diff).`;
    }

    private async update(): Promise<void> {
        const generation = ++this.generation;
        const editor = vscode.window.activeTextEditor;
        const client = this.client;
        if (!client || client.state !== State.Running || !editor || editor.document.languageId !== 'python') {
            if (client) {
                this.showPlain(`covlint: scope ${this.scope()}`);
            }
            return;
        }
        try {
            const params = { uri: client.code2ProtocolConverter.asUri(editor.document.uri) };
            const summary = await client.sendRequest<Summary>(SUMMARY_REQUEST, params);
            if (generation === this.generation) {
                this.show(summary);
            }
        } catch (error) {
            this.log.debug(`${SUMMARY_REQUEST} failed: ${String(error)}`);
            if (generation === this.generation) {
                this.showPlain(`covlint: scope ${this.scope()} (no summary from the server)`);
            }
        }
    }

    private show(summary: Summary): void {
        const scope = this.scope();
        this.item.text = statusText(summary, scope);
        if (summary.data === 'missing') {
            this.item.tooltip = `${NO_DATA_MESSAGE}\nClick to switch scope (all ↔ diff).`;
            if (!this.toldNoData) {
                this.toldNoData = true; // once per window: the status bar keeps saying it
                this.log.info(NO_DATA_MESSAGE);
                void vscode.window.showInformationMessage(NO_DATA_MESSAGE);
            }
            return;
        }
        const lines = [
            `File: ${summary.file ? formatPercent(summary.file.percent) : 'not measured'}`,
            `Project: ${summary.total ? formatPercent(summary.total.percent) : 'no data'}`,
            `Scope: ${scope === 'diff' ? 'changed lines only' : 'all lines'}`,
        ];
        if (summary.stale) {
            lines.push('The coverage data is older than this file: re-run your tests.');
        }
        lines.push('Click to switch scope (all ↔ diff).');
        this.item.tooltip = lines.join('\n');
    }

    dispose(): void {
        clearTimeout(this.timer);
        this.disposables.forEach((disposable) => disposable.dispose());
    }
}
