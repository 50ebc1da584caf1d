// covlint for VS Code: a thin client that starts `covlint serve`, colours lines from its marks,
// feeds VS Code's Test Coverage view and shows its summary.
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, ExecuteCommandRequest, LanguageClient } from 'vscode-languageclient/node';
import { findServer } from './common/discovery';
import { onDidChangeInterpreter, selectedInterpreter } from './common/python';
import { createClient } from './common/server';
import {
    Scope,
    SECTION,
    getLaunchSettings,
    getScope,
    getServerSettings,
    isEnabled,
    firstFolder,
    launchSettingsChanged,
} from './common/settings';
import { CoverageStatus, TOGGLE_SCOPE_COMMAND } from './common/status';
import { Colours } from './features/colours';
import { CoverageFeed } from './features/coverage';
import { FileTree } from './features/files';
import { MarkStore } from './features/marks';

/** Commands the server implements (workspace/executeCommand). */
const SERVER_REFRESH = 'covlint.refresh';
const SERVER_TOGGLE = 'covlint.toggle';
const SERVER_SET_SCOPE = 'covlint.setScope';

let extensionContext: vscode.ExtensionContext;
let log: vscode.LogOutputChannel;
let status: CoverageStatus;
let store: MarkStore;
let tree: FileTree;
let feed: CoverageFeed;
let client: LanguageClient | undefined;
let sessionDisposables: vscode.Disposable[] = [];
let scope: Scope = 'all';
let queue: Promise<void> = Promise.resolve();
const shownErrors = new Set<string>();

/** Show an error the user can act on once per window; always log it. */
function reportError(message: string): void {
    log.error(message);
    if (shownErrors.has(message)) {
        return;
    }
    shownErrors.add(message);
    void vscode.window.showErrorMessage(message, 'Open settings').then((choice) => {
        if (choice) {
            void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.`);
        }
    });
}

function serverCommands(): string[] {
    return client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
}

async function stopServer(): Promise<void> {
    sessionDisposables.forEach((disposable) => disposable.dispose());
    sessionDisposables = [];
    const running = client;
    client = undefined;
    status.attach(undefined);
    store.attach(undefined);
    if (running) {
        try {
            await running.dispose(2000);
        } catch (error) {
            log.warn(`stopping the server: ${String(error)}`);
        }
    }
}

/** Local stand-ins for server commands that this server version does not offer. */
function registerFallbacks(): void {
    const offered = serverCommands();
    if (!offered.includes(SERVER_REFRESH)) {
        sessionDisposables.push(vscode.commands.registerCommand(SERVER_REFRESH, () => restartServer()));
    }
    if (!offered.includes(SERVER_TOGGLE)) {
        sessionDisposables.push(
            vscode.commands.registerCommand(SERVER_TOGGLE, () => {
                return vscode.workspace.getConfiguration(SECTION).update('enable', !isEnabled(), settingsTarget());
            }),
        );
    }
}

/** The server command: settings, the Python extension, the workspace's venv, PATH (./discovery). */
async function findServerCommand(context: vscode.ExtensionContext) {
    const launch = getLaunchSettings();
    const result = await findServer({
        path: launch.path,
        interpreter: launch.interpreter,
        pythonExtension: () => selectedInterpreter(firstFolder()?.uri),
        folders: (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath),
        trusted: vscode.workspace.isTrusted,
        cwd: context.extensionPath,
    });
    result.tried.forEach((step) => log.info(`finding covlint: ${step}`));
    return result;
}

async function startServer(context: vscode.ExtensionContext): Promise<void> {
    const found = await findServerCommand(context);
    if (!found.server) {
        reportError(found.problem ?? 'covlint: the server was not found.');
        status.attach(undefined);
        return;
    }
    const server = found.server;
    log.info(`server command (${server.source}): ${[server.command, ...server.args].join(' ')}`);
    const candidate = createClient(server, context.extensionPath, log);
    const listeners = store.attach(candidate);
    try {
        await candidate.start();
    } catch (error) {
        reportError(`covlint: the server did not start (${String(error)}). See Output › covlint.`);
        listeners.forEach((listener) => listener.dispose());
        store.attach(undefined);
        await candidate.dispose().catch(() => undefined);
        status.attach(undefined);
        return;
    }
    client = candidate;
    sessionDisposables.push(...listeners);
    scope = getScope(); // a new server starts in the configured scope
    registerFallbacks();
    status.attach(client);
    void tree.refresh();
    void feed.load();
}

/** Start/stop requests run one after the other, never interleaved. */
function serialise(task: () => Promise<void>): Promise<void> {
    queue = queue.then(task, task);
    return queue;
}

function restartServer(): Promise<void> {
    return serialise(async () => {
        await stopServer();
        await startServer(extensionContext);
    });
}

/** Tell the running server that settings changed (it pulls them; push-only servers get them here). */
function notifyConfiguration(): void {
    const running = client;
    if (!running?.isRunning()) {
        return;
    }
    const params = { settings: { [SECTION]: getServerSettings() } };
    running.sendNotification(DidChangeConfigurationNotification.type, params).catch((error: unknown) => {
        log.warn(`workspace/didChangeConfiguration: ${String(error)}`);
    });
}

function settingsTarget(): vscode.ConfigurationTarget {
    return vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

/** Switch all ↔ diff: through the server's command if it has one, else through the setting. */
async function setScope(next: Scope): Promise<void> {
    if (client && serverCommands().includes(SERVER_SET_SCOPE)) {
        await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_SET_SCOPE, arguments: [next] });
    } else {
        await vscode.workspace.getConfiguration(SECTION).update('scope', next, settingsTarget());
    }
    scope = next;
    log.info(`scope: ${next}`);
    status.schedule(0);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    extensionContext = context;
    log = vscode.window.createOutputChannel('covlint', { log: true });
    scope = getScope();
    status = new CoverageStatus(log, () => scope);
    store = new MarkStore();
    tree = new FileTree(store);
    feed = new CoverageFeed(store, log);
    context.subscriptions.push(
        log,
        status,
        store,
        tree,
        feed,
        new Colours(context, store),
        store.onDidLoad(() => status.schedule()),
        vscode.commands.registerCommand('covlint.restart', () => restartServer()),
        vscode.commands.registerCommand('covlint.scope.all', () => setScope('all')),
        vscode.commands.registerCommand('covlint.scope.diff', () => setScope('diff')),
        vscode.commands.registerCommand(TOGGLE_SCOPE_COMMAND, () => setScope(scope === 'all' ? 'diff' : 'all')),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (event.affectsConfiguration(`${SECTION}.scope`)) {
                scope = getScope();
                status.schedule();
            }
            if (launchSettingsChanged(event)) {
                void restartServer();
            } else if (event.affectsConfiguration(SECTION)) {
                notifyConfiguration();
            }
        }),
    );
    const interpreterWatch = await onDidChangeInterpreter(() => {
        if (getLaunchSettings().path.length === 0 && getLaunchSettings().interpreter.length === 0) {
            void restartServer();
        }
    });
    if (interpreterWatch) {
        context.subscriptions.push(interpreterWatch);
    }
    await serialise(() => startServer(context));
}

export function deactivate(): Promise<void> {
    return serialise(stopServer);
}
