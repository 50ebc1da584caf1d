// The Python extension's selected interpreter (one step of finding covlint, see ./discovery).
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
export async function selectedInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
    const environments = await pythonEnvironments();
    if (!environments) {
        return undefined;
    }
    const active = environments.getActiveEnvironmentPath(resource);
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath;
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
