// Which Python runs the server: covlint.interpreter, else the Python extension's choice, else python3.
import * as vscode from 'vscode';

const PYTHON_EXTENSION = 'ms-python.python';

/** The slice of the Python extension's public API that covlint uses. */
interface EnvironmentPath {
    readonly id: string;
    readonly path: string;
}
interface PythonEnvironments {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

async function pythonEnvironments(): Promise<PythonEnvironments | undefined> {
    const extension = vscode.extensions.getExtension<{ environments?: PythonEnvironments }>(PYTHON_EXTENSION);
    if (!extension) {
        return undefined;
    }
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments;
}

/** The interpreter the Python extension has selected for this resource, if it is installed. */
async function selectedInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
    const environments = await pythonEnvironments();
    if (!environments) {
        return undefined;
    }
    const active = environments.getActiveEnvironmentPath(resource);
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath;
}

export function fallbackInterpreter(): string {
    return process.platform === 'win32' ? 'python' : 'python3';
}

/** The interpreter command: the setting if given, else the Python extension's, else python3. */
export async function resolveInterpreter(configured: string[], resource?: vscode.Uri): Promise<string[]> {
    if (configured.length > 0) {
        return configured;
    }
    try {
        const selected = await selectedInterpreter(resource);
        if (selected) {
            return [selected];
        }
    } catch {
        // The Python extension is optional; any failure means "not available".
    }
    return [fallbackInterpreter()];
}

/** Fires when the user picks another interpreter in the Python extension (if it is installed). */
export async function onDidChangeInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
    try {
        const environments = await pythonEnvironments();
        return environments?.onDidChangeActiveEnvironmentPath(() => listener());
    } catch {
        return undefined;
    }
}
