// Coverage colours in the editor: gutter marks, optional whole-line backgrounds and overview ruler
// marks for missed, partly run (branch) and, optionally, covered lines — from the server's marks.
import * as vscode from 'vscode';
import { ColourSettings, getColourSettings } from '../common/settings';
import { MarkStore, Marks, Span } from './marks';

export const TOGGLE_COLOURS_COMMAND = 'covlint.colors.toggle';

type Kind = 'missed' | 'partial' | 'covered';
const KINDS: Kind[] = ['missed', 'partial', 'covered'];

function decorationType(context: vscode.ExtensionContext, kind: Kind, settings: ColourSettings): vscode.TextEditorDecorationType {
    const icon = (theme: string) => vscode.Uri.joinPath(context.extensionUri, 'media', `gutter-${kind}-${theme}.svg`);
    const options: vscode.DecorationRenderOptions = {
        isWholeLine: true,
        overviewRulerColor: new vscode.ThemeColor(`covlint.${kind}Ruler`),
        overviewRulerLane: vscode.OverviewRulerLane.Left,
    };
    if (settings.wholeLine) {
        options.backgroundColor = new vscode.ThemeColor(`covlint.${kind}LineBackground`);
    }
    if (settings.gutter) {
        options.light = { gutterIconPath: icon('light'), gutterIconSize: 'contain' };
        options.dark = { gutterIconPath: icon('dark'), gutterIconSize: 'contain' };
    }
    return vscode.window.createTextEditorDecorationType(options);
}

function ranges(spans: Span[]): vscode.Range[] {
    return spans.map(([first, last]) => new vscode.Range(first, 0, last, 0));
}

/** The lines of each kind: partial branch lines are their own kind, covered ones only if asked. */
export function linesOf(marks: Marks | undefined, settings: ColourSettings): Record<Kind, vscode.Range[]> {
    if (!marks || !settings.enable) {
        return { missed: [], partial: [], covered: [] };
    }
    return {
        missed: ranges(marks.missed),
        partial: ranges(marks.partial.map((line): Span => [line.line, line.endLine])),
        covered: settings.covered ? ranges(marks.covered) : [],
    };
}

export class Colours implements vscode.Disposable {
    private types = new Map<Kind, vscode.TextEditorDecorationType>();
    private settings = getColourSettings();
    private shown: boolean;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly store: MarkStore,
    ) {
        this.shown = this.settings.enable;
        this.createTypes();
        this.disposables.push(
            store.onDidChange((uri) => this.paint(uri)),
            vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll(true)),
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (event.affectsConfiguration('covlint.colors')) {
                    this.settings = getColourSettings();
                    this.shown = this.settings.enable;
                    this.createTypes();
                    this.paintAll(false);
                }
            }),
            vscode.commands.registerCommand(TOGGLE_COLOURS_COMMAND, () => this.toggle()),
        );
    }

    private createTypes(): void {
        this.types.forEach((type) => type.dispose());
        this.types = new Map(KINDS.map((kind) => [kind, decorationType(this.context, kind, this.settings)]));
    }

    /** Show or hide every colour (the covlint.colors.enable setting stays as it is). */
    toggle(): boolean {
        this.shown = !this.shown;
        this.paintAll(false);
        return this.shown;
    }

    private paint(uri: vscode.Uri): void {
        for (const editor of vscode.window.visibleTextEditors) {
            if (editor.document.uri.toString() === uri.toString()) {
                this.paintEditor(editor);
            }
        }
    }

    /** Repaint the visible editors; `pull`: ask the server for documents it has not pushed. */
    paintAll(pull: boolean): void {
        for (const editor of vscode.window.visibleTextEditors) {
            if (pull && editor.document.languageId === 'python' && !this.store.get(editor.document.uri)) {
                this.store.pull(editor.document.uri).catch(() => undefined);
            }
            this.paintEditor(editor);
        }
    }

    private paintEditor(editor: vscode.TextEditor): void {
        const lines = linesOf(this.store.get(editor.document.uri), { ...this.settings, enable: this.shown });
        for (const kind of KINDS) {
            editor.setDecorations(this.types.get(kind)!, lines[kind]);
        }
    }

    dispose(): void {
        this.types.forEach((type) => type.dispose());
        this.disposables.forEach((disposable) => disposable.dispose());
    }
}
