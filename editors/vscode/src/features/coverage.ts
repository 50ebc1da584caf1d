// VS Code's own Test Coverage view fed from covlint's data: one FileCoverage per measured file
// (coverage.py's figures), statement and branch detail loaded lazily per file from `covlint/marks`.
import * as vscode from 'vscode';
import { testCoverageEnabled } from '../common/settings';
import { fetchTables } from './files';
import { MarkStore, Marks, Span } from './marks';

export const LOAD_COVERAGE_COMMAND = 'covlint.coverage.load';

/** A file's coverage with exactly coverage.py's counts (statements, branches). */
export function fileCoverage(uri: vscode.Uri, figures: Marks['figures']): vscode.FileCoverage | undefined {
    if (!figures) {
        return undefined;
    }
    const statements = new vscode.TestCoverageCount(figures.statements - figures.missing, figures.statements);
    const branches = figures.branches
        ? new vscode.TestCoverageCount(figures.branches - figures.missedBranches, figures.branches)
        : undefined;
    return new vscode.FileCoverage(uri, statements, branches);
}

function lineRange(document: vscode.TextDocument | undefined, [first, last]: Span): vscode.Range {
    const end = document && last < document.lineCount ? document.lineAt(last).range.end.character : 0;
    return new vscode.Range(first, 0, last, end);
}

/** Statement (and branch) detail of one file, from the server's marks. */
export function details(marks: Marks, document?: vscode.TextDocument): vscode.StatementCoverage[] {
    const found = [
        ...marks.missed.map((span) => new vscode.StatementCoverage(false, lineRange(document, span))),
        ...marks.covered.map((span) => new vscode.StatementCoverage(true, lineRange(document, span))),
    ];
    for (const partial of marks.partial) {
        const branches = partial.arcs.map(
            (arc) =>
                new vscode.BranchCoverage(false, arc.line === null ? undefined : new vscode.Position(arc.line, 0), arc.message),
        );
        for (let taken = partial.arcs.length; taken < partial.exits; taken++) {
            branches.push(new vscode.BranchCoverage(true, undefined, 'taken'));
        }
        const range = lineRange(document, [partial.line, partial.endLine]);
        found.push(new vscode.StatementCoverage(true, range, branches));
    }
    return found.sort((a, b) => (a.location as vscode.Range).start.line - (b.location as vscode.Range).start.line);
}

export class CoverageFeed implements vscode.Disposable {
    private readonly controller = vscode.tests.createTestController('covlint', 'covlint');
    private readonly profile: vscode.TestRunProfile;
    private readonly disposables: vscode.Disposable[] = [this.controller];

    constructor(
        private readonly store: MarkStore,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.profile = this.controller.createRunProfile(
            'covlint: coverage data',
            vscode.TestRunProfileKind.Coverage,
            () => this.load(),
            true,
        );
        this.profile.loadDetailedCoverage = (_run, coverage) => this.loadDetails(coverage.uri);
        this.disposables.push(
            store.onDidLoad(() => void this.load()),
            vscode.commands.registerCommand(LOAD_COVERAGE_COMMAND, () => this.load(true)),
        );
    }

    /** Publish every measured file's coverage as one test run (`force`: even if the setting is off). */
    async load(force = false): Promise<void> {
        const client = this.store.running;
        if (!client || (!force && !testCoverageEnabled())) {
            return;
        }
        const tables = await fetchTables(client).catch((error: unknown) => {
            this.log.warn(`covlint/files: ${String(error)}`);
            return [];
        });
        const rows = tables.flatMap((table) => table.files);
        if (rows.length === 0) {
            return;
        }
        const run = this.controller.createTestRun(new vscode.TestRunRequest(undefined, undefined, this.profile), 'covlint', false);
        for (const row of rows) {
            const coverage = fileCoverage(vscode.Uri.parse(row.uri), row.figures);
            if (coverage) {
                run.addCoverage(coverage);
            }
        }
        run.end();
        this.log.info(`test coverage: ${rows.length} files`);
    }

    private async loadDetails(uri: vscode.Uri): Promise<vscode.StatementCoverage[]> {
        const marks = this.store.get(uri) ?? (await this.store.request(uri));
        if (!marks) {
            return [];
        }
        const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
        return details(marks, document ?? (await vscode.workspace.openTextDocument(uri)));
    }

    dispose(): void {
        this.disposables.forEach((disposable) => disposable.dispose());
    }
}
