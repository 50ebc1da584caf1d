// The extension's settings: what it needs to launch the server, and what it passes on to it.
import * as vscode from 'vscode';

export const SECTION = 'covlint';

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type Scope = 'all' | 'diff';
export type Problems = 'all' | 'diff' | 'none';

/**
 * The settings the server itself reads (initializationOptions and workspace/configuration).
 * Only values the user set are sent: the server's own defaults and the project's
 * `[tool.covlint]` in pyproject.toml apply to everything else.
 */
export interface ServerSettings {
    enable?: boolean;
    severity?: { uncovered?: Severity; missedBranch?: Severity; stale?: Severity };
    dataFile?: string;
    showBranches?: boolean;
    showStale?: boolean;
    scope?: Scope;
    base?: string;
    problems?: Problems;
    codeLens?: boolean;
}

/** The settings only the extension reads: how to start the server. */
export interface LaunchSettings {
    /** The full server command, e.g. ["/venv/bin/covlint", "serve"]; empty: use the interpreter. */
    path: string[];
    /** A Python interpreter (plus arguments) with covlint installed; empty: ask the Python extension. */
    interpreter: string[];
}

/** Settings that need a server restart when they change. */
export const LAUNCH_KEYS = ['path', 'interpreter'].map((key) => `${SECTION}.${key}`);

/** The value the user set for `key` (folder, workspace or user settings), else undefined. */
function explicit<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
    const layers = config.inspect<T>(key);
    const value = layers?.workspaceFolderValue ?? layers?.workspaceValue ?? layers?.globalValue;
    return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

function withoutUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

function substitute(value: string, folder: vscode.WorkspaceFolder | undefined): string {
    const root = folder?.uri.fsPath ?? '';
    const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
    return value
        .replace(/\$\{workspaceFolder\}/g, root)
        .replace(/\$\{userHome\}/g, home)
        .replace(/^~(?=$|\/)/, home);
}

export function firstFolder(resource?: vscode.Uri): vscode.WorkspaceFolder | undefined {
    const folder = resource ? vscode.workspace.getWorkspaceFolder(resource) : undefined;
    return folder ?? vscode.workspace.workspaceFolders?.[0];
}

export function getServerSettings(resource?: vscode.Uri): ServerSettings {
    const config = vscode.workspace.getConfiguration(SECTION, firstFolder(resource)?.uri);
    const severity = withoutUndefined({
        uncovered: explicit<Severity>(config, 'severity.uncovered'),
        missedBranch: explicit<Severity>(config, 'severity.missedBranch'),
        stale: explicit<Severity>(config, 'severity.stale'),
    });
    return withoutUndefined({
        enable: explicit<boolean>(config, 'enable'),
        severity: Object.keys(severity).length > 0 ? severity : undefined,
        dataFile: explicit<string>(config, 'dataFile'),
        showBranches: explicit<boolean>(config, 'showBranches'),
        showStale: explicit<boolean>(config, 'showStale'),
        scope: explicit<Scope>(config, 'scope'),
        base: explicit<string>(config, 'base'),
        problems: explicit<Problems>(config, 'problems'),
        codeLens: explicit<boolean>(config, 'codeLens'),
    });
}

/** The scope in effect as far as the editor knows (the setting, else the default). */
export function getScope(resource?: vscode.Uri): Scope {
    return vscode.workspace.getConfiguration(SECTION, firstFolder(resource)?.uri).get<Scope>('scope', 'all');
}

export function isEnabled(resource?: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration(SECTION, firstFolder(resource)?.uri).get<boolean>('enable', true);
}

export function getLaunchSettings(resource?: vscode.Uri): LaunchSettings {
    const folder = firstFolder(resource);
    const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
    const list = (key: string): string[] =>
        (config.get<string[]>(key) ?? []).filter((part) => part !== '').map((part) => substitute(part, folder));
    return { path: list('path'), interpreter: list('interpreter') };
}

export function launchSettingsChanged(event: vscode.ConfigurationChangeEvent): boolean {
    return LAUNCH_KEYS.some((key) => event.affectsConfiguration(key));
}

/** How the extension colours lines (its own settings, not the server's). */
export interface ColourSettings {
    enable: boolean;
    gutter: boolean;
    wholeLine: boolean;
    covered: boolean;
}

export function getColourSettings(): ColourSettings {
    const config = vscode.workspace.getConfiguration(`${SECTION}.colors`);
    return {
        enable: config.get<boolean>('enable', true),
        gutter: config.get<boolean>('gutter', true),
        wholeLine: config.get<boolean>('wholeLine', true),
        covered: config.get<boolean>('covered', false),
    };
}

export function testCoverageEnabled(): boolean {
    return vscode.workspace.getConfiguration(SECTION).get<boolean>('testCoverage', true);
}
