// The extension's settings: what it needs to launch the server, and what it passes on to it.
import * as vscode from 'vscode';

export const SECTION = 'covlint';

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type Scope = 'all' | 'diff';

/** The settings the server itself reads (initializationOptions and workspace/configuration). */
export interface ServerSettings {
    enable: boolean;
    severity: { uncovered: Severity; missedBranch: Severity; stale: Severity };
    dataFile: string | null;
    showBranches: boolean;
    showStale: boolean;
    scope: Scope;
    base: string | null;
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

function optionalString(value: unknown): string | null {
    return typeof value === 'string' && value.trim() !== '' ? value : null;
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
    return {
        enable: config.get<boolean>('enable', true),
        severity: {
            uncovered: config.get<Severity>('severity.uncovered', 'information'),
            missedBranch: config.get<Severity>('severity.missedBranch', 'information'),
            stale: config.get<Severity>('severity.stale', 'information'),
        },
        dataFile: optionalString(config.get('dataFile')),
        showBranches: config.get<boolean>('showBranches', true),
        showStale: config.get<boolean>('showStale', true),
        scope: config.get<Scope>('scope', 'all'),
        base: optionalString(config.get('base')),
    };
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
