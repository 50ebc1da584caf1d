// The project view: measured files by missed lines, then missed branches (`covlint/files`).
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { formatPercent } from '../common/status';
import { Figures, MarkStore } from './marks';

export const FILES_REQUEST = 'covlint/files';
export const FILES_VIEW = 'covlint.files';

export interface FileRow {
    uri: string;
    path: string;
    figures: Figures | null;
    stale: boolean;
}

export interface FileTable {
    root: string | null;
    files: FileRow[];
    data: 'loaded' | 'missing';
}

/** Every workspace folder's table (folders sharing a project appear once). */
export async function fetchTables(client: LanguageClient): Promise<FileTable[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const tables = await Promise.all(
        folders.map((folder) =>
            client.sendRequest<FileTable>(FILES_REQUEST, { uri: client.code2ProtocolConverter.asUri(folder.uri) }),
        ),
    );
    const seen = new Set<string | null>();
    return tables.filter((table) => !seen.has(table.root) && seen.add(table.root));
}

/** "3 lines, 1 branch missed · 76.7%" */
export function describe(row: FileRow): string {
    if (row.stale || !row.figures) {
        return 'stale: re-run tests';
    }
    const { missing, missedBranches, percent } = row.figures;
    const parts = [];
    if (missing) {
        parts.push(`${missing} line${missing === 1 ? '' : 's'}`);
    }
    if (missedBranches) {
        parts.push(`${missedBranches} branch${missedBranches === 1 ? '' : 'es'}`);
    }
    const missed = parts.length ? `${parts.join(', ')} missed · ` : '';
    return `${missed}${formatPercent(percent)}`;
}

export class FileTree implements vscode.TreeDataProvider<FileRow>, vscode.Disposable {
    private readonly changed = new vscode.EventEmitter<void>();
    readonly onDidChangeTreeData = this.changed.event;
    private rows: FileRow[] = [];
    private readonly disposables: vscode.Disposable[] = [this.changed];

    constructor(private readonly store: MarkStore) {
        this.disposables.push(
            vscode.window.registerTreeDataProvider(FILES_VIEW, this),
            store.onDidLoad(() => void this.refresh()),
        );
    }

    async refresh(): Promise<void> {
        const client = this.store.running;
        this.rows = client ? (await fetchTables(client).catch(() => [])).flatMap((table) => table.files) : [];
        this.changed.fire();
    }

    getChildren(): FileRow[] {
        return this.rows;
    }

    getTreeItem(row: FileRow): vscode.TreeItem {
        const item = new vscode.TreeItem(row.path.split('/').pop() ?? row.path);
        const uri = vscode.Uri.parse(row.uri);
        item.resourceUri = uri;
        item.description = describe(row);
        item.tooltip = `${row.path}\n${item.description}`;
        item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
        item.contextValue = 'covlint.file';
        return item;
    }

    dispose(): void {
        this.disposables.forEach((disposable) => disposable.dispose());
    }
}
