// The server's coverage marks per document: pushed by `covlint/publishMarks`, pulled with
// `covlint/marks`. The single source of every colour the extension draws (nothing is recomputed here).
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';

export const MARKS_REQUEST = 'covlint/marks';
export const MARKS_NOTIFICATION = 'covlint/publishMarks';
export const LOADED_NOTIFICATION = 'covlint/didLoad';

/** First and last buffer line (0-based, inclusive). */
export type Span = [number, number];

export interface MissedArc {
    message: string;
    /** Where the arc leads (0-based), if that line is in the buffer unchanged. */
    line: number | null;
}

export interface PartialLine {
    line: number;
    endLine: number;
    exits: number;
    arcs: MissedArc[];
}

export interface Figures {
    percent: number;
    statements: number;
    missing: number;
    branches: number;
    missedBranches: number;
}

/** The `covlint/marks` result (see covlint/server/marks.py). */
export interface Marks {
    uri: string;
    version: number | null;
    scope: 'all' | 'diff';
    stale: string | null;
    missed: Span[];
    partial: PartialLine[];
    covered: Span[];
    figures: Figures | null;
}

export class MarkStore implements vscode.Disposable {
    private readonly marks = new Map<string, Marks>();
    private readonly changed = new vscode.EventEmitter<vscode.Uri>();
    private readonly loaded = new vscode.EventEmitter<void>();
    /** Fires with the document whose marks changed. */
    readonly onDidChange = this.changed.event;
    /** Fires when a project's data was (re)loaded. */
    readonly onDidLoad = this.loaded.event;
    private client: LanguageClient | undefined;

    /** Follow a (new) client; call before it starts so that no notification is missed. */
    attach(client: LanguageClient | undefined): vscode.Disposable[] {
        this.client = client;
        const shown = [...this.marks.keys()];
        this.marks.clear(); // a stopped or new server's marks are not these: repaint without them
        shown.forEach((uri) => this.changed.fire(vscode.Uri.parse(uri)));
        if (!client) {
            return [];
        }
        return [
            client.onNotification(MARKS_NOTIFICATION, (marks: Marks) => this.set(marks)),
            client.onNotification(LOADED_NOTIFICATION, () => this.loaded.fire()),
        ];
    }

    get running(): LanguageClient | undefined {
        return this.client;
    }

    get(uri: vscode.Uri): Marks | undefined {
        return this.marks.get(uri.toString());
    }

    private set(marks: Marks): void {
        const uri = vscode.Uri.parse(marks.uri);
        this.marks.set(uri.toString(), marks);
        this.changed.fire(uri);
    }

    /** Ask the server (for a file that is not open, or not yet pushed). */
    async request(uri: vscode.Uri): Promise<Marks | undefined> {
        const client = this.client;
        if (!client) {
            return undefined;
        }
        return client.sendRequest<Marks>(MARKS_REQUEST, { uri: client.code2ProtocolConverter.asUri(uri) });
    }

    /** Fetch and keep the marks of an open document the server has not pushed yet. */
    async pull(uri: vscode.Uri): Promise<void> {
        const marks = await this.request(uri);
        if (marks && !this.marks.has(uri.toString())) {
            this.set(marks);
        }
    }

    dispose(): void {
        this.changed.dispose();
        this.loaded.dispose();
    }
}
